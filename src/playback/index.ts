/**
 * The playback layer: the room's video state machine, the shared clock estimator and the drift
 * controllers. Everything here is pure and deterministic (time is always passed in), so it runs the same in
 * a browser, in Node tests and in the simulator.
 */
export * from './playback-error.js';
export * from './media-src.js';
export * from './video-state.js';
export * from './shared-clock.js';
export * from './drift-controller.js';
