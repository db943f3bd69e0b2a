import { useEffect, useState } from 'preact/hooks';
import { model } from './model';

// Re-renders the calling view whenever the model changes.
export function useModel(): typeof model {
  const [, setTick] = useState(0);
  useEffect(() => model.subscribe(() => setTick((n) => n + 1)), []);
  return model;
}

// The hash route ("#/g/chonghua" -> ["g", "chonghua"]).
export function useRoute(): string[] {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
}

// Ticks every second while mounted (countdowns).
export function useNow(active = true): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [active]);
  return now;
}

export function go(hash: string): void {
  location.hash = hash;
}
