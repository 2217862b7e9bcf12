export { PaxosNode, summarizeMessage, parsePersistentState, isNodeId } from './src/consensus/index.js';
