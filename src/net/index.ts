/**
 * The net layer's public surface, for the element: the signaling client, the WebRTC mesh, and the types
 * and errors they report. See each module for the details.
 */
export { SignalingClient, SignalingError } from './signaling-client.js';
export type { SignalingClientEvents, SignalingClientOptions, SignalingErrorCode, TimeSample } from './signaling-client.js';
export { Mesh, MeshError } from './mesh.js';
export type { MeshErrorCode, MeshEvents, MeshOptions, MeshPeerInfo, MeshSignaling, MeshStats } from './mesh.js';
export { ConnectionBudget, tabConnectionBudget } from './connection-budget.js';
export type { BudgetDecision, ConnectionBudgetOptions } from './connection-budget.js';
export { MAX_MESSAGE_BYTES, MessageEncodeError } from './peer-codec.js';
export type { MeshMessage } from './peer-codec.js';
export { WrongSecretError, PBKDF2_ITERATIONS } from './crypto.js';
