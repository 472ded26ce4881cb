// Small seeded PRNG (mulberry32) and helpers; the launcher and every service use it.
export function hashSeed(str) {
  let h = 1779033703 ^ str.length;
  for (let i = 0; i < str.length; i++) { h = Math.imul(h ^ str.charCodeAt(i), 3432918353); h = (h << 13) | (h >>> 19); }
  h = Math.imul(h ^ (h >>> 16), 2246822507); h = Math.imul(h ^ (h >>> 13), 3266489909);
  return (h ^= h >>> 16) >>> 0;
}
export function rngFrom(seed) {
  let a = seed >>> 0;
  const next = () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const r = {
    next,
    int(lo, hi) { return lo + Math.floor(next() * (hi - lo + 1)); },
    pick(arr) { return arr[Math.floor(next() * arr.length)]; },
    chance(p) { return next() < p; },
    // skewed pick: the first element is "hot"
    hot(arr, pHot) { return next() < pHot ? arr[0] : arr[1 + Math.floor(next() * (arr.length - 1))]; },
    hex(n) { let s = ''; for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(next() * 16)]; return s; },
    uuid() { const h = r.hex(32); return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(next() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`; },
    // ULID-like: 10 chars of time (Crockford base32) + 16 random chars
    ulid(ms = Date.now()) {
      const A = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; let t = ''; let x = ms;
      for (let i = 0; i < 10; i++) { t = A[x % 32] + t; x = Math.floor(x / 32); }
      let s = ''; for (let i = 0; i < 16; i++) s += A[Math.floor(next() * 32)]; return t + s;
    },
    b32(n) { const A = '0123456789abcdefghjkmnpqrstvwxyz'; let s = ''; for (let i = 0; i < n; i++) s += A[Math.floor(next() * 32)]; return s; },
  };
  return r;
}
