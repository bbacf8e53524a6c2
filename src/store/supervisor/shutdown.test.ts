import { afterEach, expect, test } from 'vitest';
import { installShutdownHandlers, type ShutdownHandlers } from './shutdown.js';

let handlers: ShutdownHandlers | undefined;
afterEach(() => handlers?.remove());

/** Handlers on a fake clock and a recorded exit; the registered work waits until released. */
function setUp() {
  let t = 0;
  const exits: number[] = [];
  let release = () => {};
  const closed = new Promise<void>((resolve) => {
    release = resolve;
  });
  handlers = installShutdownHandlers(
    () => {},
    (code) => exits.push(code),
    { now: () => t },
  );
  handlers.onShutdown(() => closed);
  return { exits, release, advance: (ms: number) => (t += ms) };
}

test('a Ctrl-C delivered twice at once (terminal and parent) still closes the database before exiting', async () => {
  const { exits, release, advance } = setUp();
  process.emit('SIGINT');
  advance(5);
  process.emit('SIGINT');
  expect(exits).toEqual([]);
  release();
  await new Promise((resolve) => setTimeout(resolve, 0));
  expect(exits).toEqual([130]);
});

test('a second Ctrl-C a moment later exits at once', () => {
  const { exits, advance } = setUp();
  process.emit('SIGTERM');
  advance(1_500);
  process.emit('SIGINT');
  expect(exits).toEqual([130]);
});
