package run

import (
	"math/rand/v2"
	"time"
)

// DefaultRetryMaxBackoff caps the wait between retries when Options does
// not say otherwise.
const DefaultRetryMaxBackoff = time.Minute

// retryDelay is the wait before retrying after failed attempt n (1-based):
// first doubled per attempt, capped at limit, with "equal jitter" (half
// fixed, half random) so that units failing together do not retry in
// lockstep. It never exceeds limit and never overflows.
func retryDelay(first, limit time.Duration, n int, rnd func(int64) int64) time.Duration {
	if rnd == nil {
		rnd = rand.Int64N
	}
	d := first
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	half := d / 2
	return half + time.Duration(rnd(int64(d-half)+1))
}

// RetryDelay is the wait before retrying after failed attempt n (1-based),
// as run waits between attempts of a unit: first doubled per attempt,
// capped at limit, with jitter.
func RetryDelay(first, limit time.Duration, n int) time.Duration {
	return retryDelay(first, limit, n, nil)
}
