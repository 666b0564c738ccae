// Run by test/backend/native-arena.test.ts in a child process (so that RSS and external memory are
// the arena's alone). Default: 1024 buffers of 4 MB from the native backend one after another,
// each dropped before the next, in one synchronous loop; then a few event-loop turns, when Node
// runs the finalizers of the dropped external ArrayBuffers; then 64 more. Prints the peak RSS after
// each phase and the external memory after the turns. --external: prints whether a large buffer
// lives outside Node's ArrayBuffer allocator (so in the addon's arena).
import { jsBackend } from '../../src/backend/js/index.js';
import { loadNativeBackend } from '../../src/backend/native/index.js';
import { resourceUsage } from 'node:process';
import { setImmediate as turn } from 'node:timers/promises';

const native = loadNativeBackend(jsBackend);
if (!native?.allocate) throw new Error('native backend with allocate expected');
const n = 1 << 20;
const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);
const peakRssMb = (): number => Math.round(resourceUsage().maxRSS / 1024);

function churn(times: number): number {
  let sum = 0;
  for (let i = 0; i < times; i++) {
    const b = native!.allocate!(false, n) ?? new Float32Array(n);
    b.fill(3);
    sum += b[n - 1]!;
  }
  return sum;
}

if (process.argv.includes('--external')) {
  const before = process.memoryUsage().arrayBuffers;
  const keep = native.allocate(false, n) ?? new Float32Array(n);
  keep.fill(1);
  const grew = process.memoryUsage().arrayBuffers - before;
  process.stdout.write(JSON.stringify({ external: grew < keep.byteLength }));
} else {
  const sum = churn(1024);
  const churnRssMb = peakRssMb();
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 10; i++) {
    gc?.();
    await turn();
  }
  const externalMb = mb(process.memoryUsage().external);
  churn(64);
  process.stdout.write(JSON.stringify({ sum, churnRssMb, externalMb, reuseRssMb: peakRssMb() }));
}
