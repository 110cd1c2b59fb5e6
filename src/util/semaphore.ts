// A counting semaphore: at most `size` holders at once, the others wait in arrival order.
export class Semaphore {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {}

  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.held >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next waiter, so `held` stays counted for it.
      const next = this.waiting.shift();
      if (next) next();
      else this.held--;
    }
  }
}
