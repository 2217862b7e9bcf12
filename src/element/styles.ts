/**
 * The element's shadow styles; themable through `--paxos-video-*` custom properties and `::part()`. A
 * constant string (element/view.ts adopts it as a constructed stylesheet); the build minifies the literal
 * marked css. (No backquote in this comment: the build minifies the one literal.)
 */
export const styles = /* css */ `
  :host {
    display: block;
    position: relative;
    font-family: var(--paxos-video-font, system-ui, sans-serif);
  }
  :host([hidden]) {
    display: none;
  }
  [part='video'] {
    display: block;
    width: 100%;
  }
  [part='status'] {
    display: flex;
    align-items: center;
    gap: 0.5em;
    padding: 0.25em 0.6em;
    font-size: 0.8rem;
    line-height: 1.4;
    background: var(--paxos-video-status-background, rgba(0, 0, 0, 0.72));
    color: var(--paxos-video-status-color, #fff);
  }
  [part='status-dot'] {
    width: 0.6em;
    height: 0.6em;
    border-radius: 50%;
    flex: none;
    background: var(--paxos-video-warn-color, #f1c40f);
  }
  [data-status='synced'] [part='status-dot'] {
    background: var(--paxos-video-ok-color, #2ecc71);
  }
  [data-status='error'] [part='status-dot'],
  [data-status='offline'] [part='status-dot'] {
    background: var(--paxos-video-error-color, #e74c3c);
  }
  .detail {
    opacity: 0.85;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  [part='unmute'] {
    position: absolute;
    top: 0.75em;
    left: 0.75em;
    z-index: 1;
    font: inherit;
    font-size: 0.9rem;
    padding: 0.4em 0.8em;
    border: 0;
    border-radius: 0.3em;
    cursor: pointer;
    background: var(--paxos-video-accent, #3b82f6);
    color: #fff;
  }
  [part='unmute']:focus-visible {
    outline: 2px solid #fff;
    outline-offset: 2px;
  }
`;
