/** A hand-rolled progress bar on stderr (one dependency fewer than cli-progress; stdout stays the report). */
export class Progress {
  private done = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly total: number) {}

  step(label: string): void {
    const width = 24;
    const filled = Math.round((this.done / Math.max(1, this.total)) * width);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.done}/${this.total} ${label}`;
    // Without a terminal, \r would pile up in CI logs: one line per step instead.
    process.stderr.write(this.tty ? `\r${line.padEnd(100)}` : `${line}\n`);
  }

  advance(label: string): void {
    this.done++;
    this.step(label);
  }

  finish(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
