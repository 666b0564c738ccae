// Node progress display for training: one cli-progress bar per epoch (rate, ETA, running loss)
// on a terminal; on pipes and files only the per-epoch summary lines, so logs stay readable.
import { SingleBar } from 'cli-progress';
import type { EpochMetrics } from './state.js';
import type { StepInfo } from './trainer.js';

export interface ProgressOptions {
  readonly stream?: NodeJS.WriteStream;
  /** Draw bars; default: when the stream is a TTY. */
  readonly bars?: boolean;
  readonly totalEpochs: number;
}

export class EpochProgress {
  private bar: SingleBar | null = null;
  private readonly stream: NodeJS.WriteStream;
  private readonly bars: boolean;
  private t0 = 0;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.bars = opts.bars ?? this.stream.isTTY === true;
  }

  start(epoch: number, batches: number): void {
    this.t0 = performance.now();
    if (!this.bars) return;
    this.bar = new SingleBar({
      stream: this.stream,
      format: `epoch ${epoch}/${this.opts.totalEpochs} {bar} {value}/{total} | {rate} ex/s | ETA {eta_formatted} | loss {loss}`,
      barsize: 30,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    });
    this.bar.start(batches, 0, { rate: '-', loss: '-' });
  }

  update(info: StepInfo): void {
    if (!this.bar) return;
    const secs = (performance.now() - this.t0) / 1000;
    this.bar.update(info.batch, { rate: secs > 0 ? Math.round(info.examples / secs) : '-', loss: info.runningLoss.toFixed(2) });
  }

  /** Close the bar and print the epoch's one-line summary. */
  end(m: EpochMetrics): void {
    this.bar?.stop();
    this.bar = null;
    this.stream.write(`${formatEpoch(m, this.opts.totalEpochs)}\n`);
  }

  /** Close the bar without a summary (e.g. when training failed mid-epoch). */
  abort(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

function fmtTerms(t: Record<string, number>): string {
  return Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
}

export function formatEpoch(m: EpochMetrics, total: number): string {
  const test = m.testLoss !== undefined ? ` | test loss ${m.testLoss.toFixed(3)}${m.test ? ` (${fmtTerms(m.test)})` : ''}` : '';
  return `epoch ${m.epoch}/${total}: train loss ${m.trainLoss.toFixed(3)}${test} | ${m.trainSeconds.toFixed(1)} s`;
}
