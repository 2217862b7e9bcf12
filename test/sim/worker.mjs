// Entry of a simulator worker thread: registers the TypeScript loader in this thread, then loads the
// runner, which answers seed ranges (see runner.ts). Plain JS because a worker starts without tsx.
import { register } from 'tsx/esm/api';

register();
await import('./runner.ts');
