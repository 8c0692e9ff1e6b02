/** Never returns and never yields: only terminating the thread stops it. */
export default function spin(): never {
  for (;;) {
    // busy
  }
}
