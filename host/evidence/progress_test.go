package evidence

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }

func TestPlainProgress(t *testing.T) {
	var buf bytes.Buffer
	c := &fakeClock{t: start}
	p := newPlain(&buf, c.now, PlainInterval)
	p.Start("public.orders", 1000000)
	p.Start("public.customers", 0)
	// One update a second for 12 s: orders prints at 5 s and 10 s only.
	for s := 1; s <= 12; s++ {
		c.add(time.Second)
		p.Update("public.orders", int64(s)*80000, int64(s)*8000000)
		p.Update("public.customers", int64(s)*100, int64(s)*1000)
	}
	p.Done("public.customers", "succeeded")
	p.Update("public.customers", 999999, 0) // after Done: ignored
	p.Update("unknown", 1, 1)               // never started: ignored
	p.Done("unknown", "failed")
	c.add(1500 * time.Millisecond)
	p.Start("public.items", 10)
	p.Close() // orders and items never finished
	if strings.Contains(buf.String(), "\x1b") {
		t.Errorf("plain progress wrote ANSI escape codes:\n%q", buf.String())
	}
	golden(t, "progress_plain.txt", buf.Bytes())
}

func TestPlainProgressConcurrent(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, false)
	var wg sync.WaitGroup
	for _, u := range []string{"a", "b", "c"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Start(u, 100)
			for i := range 100 {
				p.Update(u, int64(i+1), int64(i+1)*10)
			}
			p.Done(u, "succeeded")
		}()
	}
	wg.Wait()
	p.Close()
	if got := strings.Count(buf.String(), "succeeded"); got != 3 {
		t.Errorf("done lines: got %d, want 3:\n%s", got, buf.String())
	}
}

func TestBarsProgress(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, true)
	p.Start("public.orders", 1000)
	p.Start("public.customers", 0)
	p.Update("public.orders", 500, 50000)
	p.Update("public.orders", 1500, 150000) // beyond the estimate
	p.Update("public.customers", 10, 100)
	p.Done("public.orders", "succeeded")
	p.Update("unknown", 1, 1)
	p.Close() // customers unfinished: aborted, Close still returns
	out := buf.String()
	for _, want := range []string{"public.orders", "1,500 rows", "succeeded"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar output lacks %q:\n%s", want, out)
		}
	}
}
