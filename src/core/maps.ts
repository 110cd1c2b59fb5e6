/** The value at `key`, made by `make` and stored first when there is none. */
export function getOrSet<K, V>(
  map: { get(k: K): V | undefined; set(k: K, v: V): unknown },
  key: K,
  make: () => V,
): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}
