/**
 * The widget as the tab tests' pages load it when a test needs its hooks (test/support/element-hooks.ts):
 * the element from the sources, plus `paxosTestHooks(el)`, which the page's probe (tab.html) calls. The
 * shipped bundle has no hooks; tab-server.ts builds this file instead when asked to.
 */
import '../../src/index.js';
import type { PaxosVideo } from '../../src/paxos-video.js';
import { hooks } from '../support/element-hooks.js';

declare global {
  // eslint-disable-next-line no-var
  var paxosTestHooks: typeof hooks | undefined;
}

globalThis.paxosTestHooks = hooks;
// The page made its element before this module ran: hook it now, before its first update starts a room.
for (const el of document.querySelectorAll('paxos-video')) hooks(el as PaxosVideo);
