// The mocha globals that @web/test-runner-mocha puts on `window`, for the type checker (the project does
// not depend on @types/mocha). Only what the browser tests use.
declare global {
  interface MochaContext {
    timeout(ms: number): void;
    skip(): never;
  }
  type MochaDone = (err?: unknown) => void;
  type MochaFn = (this: MochaContext) => void | Promise<unknown>;
  function describe(title: string, fn: (this: MochaContext) => void): void;
  function it(title: string, fn: MochaFn): void;
  function before(fn: MochaFn): void;
  function after(fn: MochaFn): void;
  function beforeEach(fn: MochaFn): void;
  function afterEach(fn: MochaFn): void;
}
export {};
