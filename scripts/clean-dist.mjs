// Empties dist/ before a build, so chunks of earlier builds are never packed or served.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
