import { css } from 'lit';

/**
 * The inspector's shadow styles. Every color and size a page may want to change is a
 * `--paxos-inspector-*` custom property (documented on the element), and every region is a `::part()`.
 * The defaults keep text at a contrast of 4.5:1 or more on the default background.
 */
export const styles = css`
  :host {
    display: block;
    box-sizing: border-box;
    font-family: var(--paxos-inspector-font, system-ui, sans-serif);
    font-size: var(--paxos-inspector-font-size, 12px);
    line-height: 1.4;
    color: var(--paxos-inspector-color, #1f2937);
    background: var(--paxos-inspector-background, #ffffff);
    border: 1px solid var(--paxos-inspector-border-color, #d1d5db);
    border-radius: var(--paxos-inspector-radius, 6px);
    padding: 0.6em 0.75em;
    contain: content;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  .muted {
    color: var(--paxos-inspector-muted-color, #4b5563);
  }
  [part~='header'] {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.4em 0.75em;
    margin-bottom: 0.4em;
  }
  [part~='title'] {
    font-weight: 600;
    font-size: 1.1em;
    margin: 0;
    flex: 1 1 auto;
  }
  [part~='quorum'] {
    padding: 0.1em 0.6em;
    border-radius: 999px;
    font-weight: 600;
    color: #fff;
    background: var(--paxos-inspector-muted-color, #4b5563);
  }
  [part~='quorum'][data-state='ok'] {
    background: var(--paxos-inspector-ok-color, #15803d);
  }
  [part~='quorum'][data-state='lost'] {
    background: var(--paxos-inspector-lost-color, #b91c1c);
  }
  [part~='pause'] {
    font: inherit;
    padding: 0.2em 0.75em;
    border-radius: 4px;
    border: 1px solid var(--paxos-inspector-border-color, #d1d5db);
    background: var(--paxos-inspector-button-background, #f3f4f6);
    color: inherit;
    cursor: pointer;
  }
  [part~='pause'][aria-pressed='true'] {
    background: var(--paxos-inspector-accent, #1d4ed8);
    border-color: var(--paxos-inspector-accent, #1d4ed8);
    color: #fff;
  }
  [part~='pause']:focus-visible,
  [part~='log']:focus-visible {
    outline: 2px solid var(--paxos-inspector-accent, #1d4ed8);
    outline-offset: 2px;
  }
  [part~='problem'] {
    margin: 0.3em 0;
    color: var(--paxos-inspector-lost-color, #b91c1c);
  }
  [part~='graph'] {
    display: block;
    width: 100%;
    height: auto;
    max-height: var(--paxos-inspector-graph-height, 260px);
  }
  .link {
    stroke: var(--paxos-inspector-border-color, #d1d5db);
    stroke-width: 1.5;
  }
  .link.down {
    stroke: var(--paxos-inspector-lost-color, #b91c1c);
    stroke-dasharray: 4 3;
  }
  .node circle {
    stroke: var(--paxos-inspector-background, #ffffff);
    stroke-width: 2;
  }
  .node.self circle {
    stroke: var(--paxos-inspector-color, #1f2937);
    stroke-width: 2.5;
  }
  .node.left {
    opacity: 0.45;
  }
  .node.left circle {
    stroke-dasharray: 3 2;
    stroke: var(--paxos-inspector-color, #1f2937);
  }
  .node .slot {
    fill: #fff;
    font-weight: 700;
    font-size: 11px;
  }
  .node .name {
    fill: var(--paxos-inspector-color, #1f2937);
    font-size: 10px;
  }
  .role-leader {
    fill: var(--paxos-inspector-leader-color, #b45309);
    color: var(--paxos-inspector-leader-color, #b45309);
  }
  .role-acceptor {
    fill: var(--paxos-inspector-acceptor-color, #1d4ed8);
    color: var(--paxos-inspector-acceptor-color, #1d4ed8);
  }
  .role-learner {
    fill: var(--paxos-inspector-learner-color, #4b5563);
    color: var(--paxos-inspector-learner-color, #4b5563);
  }
  .msg-phase1 {
    fill: var(--paxos-inspector-phase1-color, #7c3aed);
    color: var(--paxos-inspector-phase1-color, #7c3aed);
  }
  .msg-phase2 {
    fill: var(--paxos-inspector-phase2-color, #2563eb);
    color: var(--paxos-inspector-phase2-color, #2563eb);
  }
  .msg-decide {
    fill: var(--paxos-inspector-decide-color, #15803d);
    color: var(--paxos-inspector-decide-color, #15803d);
  }
  .msg-nack {
    fill: var(--paxos-inspector-nack-color, #dc2626);
    color: var(--paxos-inspector-nack-color, #dc2626);
  }
  .msg-chatter {
    fill: var(--paxos-inspector-chatter-color, #9ca3af);
    color: var(--paxos-inspector-chatter-color, #6b7280);
  }
  .msg-other {
    fill: var(--paxos-inspector-other-color, #c2410c);
    color: var(--paxos-inspector-other-color, #c2410c);
  }
  .flight text {
    font-size: 9px;
    font-weight: 600;
    paint-order: stroke;
    stroke: var(--paxos-inspector-background, #ffffff);
    stroke-width: 3px;
  }
  .flight.chatter {
    opacity: 0.7;
  }
  [part~='legend'] {
    display: flex;
    flex-wrap: wrap;
    gap: 0.2em 0.8em;
    margin: 0.2em 0 0.5em;
    padding: 0;
    list-style: none;
  }
  [part~='legend'] li::before {
    content: '';
    display: inline-block;
    width: 0.7em;
    height: 0.7em;
    border-radius: 50%;
    margin-right: 0.3em;
    vertical-align: -0.05em;
    background: currentColor;
  }
  [part~='legend'] li span {
    color: var(--paxos-inspector-color, #1f2937);
  }
  [part~='nodes'] {
    width: 100%;
    border-collapse: collapse;
    font-variant-numeric: tabular-nums;
  }
  [part~='nodes'] th,
  [part~='nodes'] td {
    text-align: left;
    padding: 0.15em 0.4em 0.15em 0;
  }
  [part~='nodes'] tbody th,
  [part~='nodes'] td:last-child {
    white-space: nowrap;
  }
  [part~='nodes'] thead th {
    font-weight: 600;
    border-bottom: 1px solid var(--paxos-inspector-border-color, #d1d5db);
  }
  [part~='nodes'] tbody th {
    font-weight: 400;
    font-family: var(--paxos-inspector-mono-font, ui-monospace, monospace);
  }
  [part~='node'][data-left] {
    opacity: 0.6;
  }
  .role-tag {
    font-weight: 600;
  }
  [part~='sparkline'] {
    vertical-align: middle;
    margin-right: 0.3em;
  }
  [part~='sparkline'] polyline {
    fill: none;
    stroke: var(--paxos-inspector-sparkline-color, #2563eb);
    stroke-width: 1.25;
  }
  [part~='sparkline'] .zero {
    stroke: var(--paxos-inspector-border-color, #d1d5db);
    stroke-width: 1;
  }
  [part~='counters'] {
    margin: 0.4em 0;
    font-variant-numeric: tabular-nums;
  }
  .log-title {
    font-weight: 600;
    margin: 0.5em 0 0.2em;
  }
  [part~='log'] {
    margin: 0;
    padding: 0.2em 0.4em;
    max-height: var(--paxos-inspector-log-height, 11em);
    overflow: auto;
    border: 1px solid var(--paxos-inspector-border-color, #d1d5db);
    border-radius: 4px;
    font-family: var(--paxos-inspector-mono-font, ui-monospace, monospace);
    font-variant-numeric: tabular-nums;
  }
  [part~='log'] ol {
    margin: 0;
    padding: 0;
    list-style: none;
  }
  [part~='entry'] {
    padding: 0.05em 0;
  }
  [part~='entry'][data-kind='quorum'] {
    font-weight: 600;
    color: var(--paxos-inspector-lost-color, #b91c1c);
  }
  [part~='entry'][data-kind='quorum'][data-lost='false'] {
    color: var(--paxos-inspector-ok-color, #15803d);
  }
  .slot-number {
    font-weight: 700;
  }
`;
