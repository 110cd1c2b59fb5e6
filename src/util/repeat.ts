// A background loop: run now, then again a while after each run ends (never two at once), a
// failure logged and the loop going on, until stopped.

export interface Repeating {
  stop(): void;
}

export function repeatEvery(ms: number, run: () => Promise<unknown>, onError: (e: Error) => void): Repeating {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = (): void => {
    run()
      .catch((e: unknown) => onError(e as Error))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, ms);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
