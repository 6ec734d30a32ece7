/** Calls wait at a held gate until it is released: for tests that hold a backend's answers back. */
export class Gate {
  private closed: Promise<void> | null = null;
  private open: () => void = () => {};

  hold(): void {
    this.closed = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
    this.closed = null;
  }

  async pass(): Promise<void> {
    if (this.closed !== null) await this.closed;
  }
}
