import { describe, expect, it } from "vitest";
import { Semaphore } from "./semaphore.js";

describe("Semaphore", () => {
  it("never lets more than its size run at once, and runs every task", async () => {
    const s = new Semaphore(2);
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        s.use(async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          done.push(i);
        }),
      ),
    );
    expect(most).toBe(2);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("frees the slot when a task fails", async () => {
    const s = new Semaphore(1);
    await expect(s.use(() => Promise.reject(new Error("x")))).rejects.toThrow("x");
    await expect(s.use(() => Promise.resolve(3))).resolves.toBe(3);
  });
});
