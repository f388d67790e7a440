package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// LineageHTTP posts each event to an OpenLineage HTTP endpoint (Marquez:
// http://host:5000/api/v1/lineage). A backend that is down never fails a
// run: Emit retries a few times, then counts the event as undelivered and
// returns an error the caller logs as a warning.
type LineageHTTP struct {
	URL     string
	Token   string        // sent as "Authorization: Bearer <token>" when set
	Timeout time.Duration // per attempt; default 5s
	Retries int           // after the first attempt; default 2
	Backoff time.Duration // first retry delay, doubled; default 200ms
	Client  *http.Client

	mu             sync.Mutex
	sent, undelive int
}

// Emit posts one event.
func (h *LineageHTTP) Emit(e LineageEvent) error {
	body, err := json.Marshal(runEvent(e))
	if err != nil {
		return fmt.Errorf("openlineage: %w", err)
	}
	timeout, retries, backoff := h.Timeout, h.Retries, h.Backoff
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	if retries < 0 {
		retries = 0
	} else if retries == 0 {
		retries = 2
	}
	if backoff <= 0 {
		backoff = 200 * time.Millisecond
	}
	client := h.Client
	if client == nil {
		client = http.DefaultClient
	}
	var last error
	for try := 0; try <= retries; try++ {
		if try > 0 {
			time.Sleep(backoff << (try - 1))
		}
		var retry bool
		if retry, last = h.post(client, timeout, body); last == nil {
			h.mu.Lock()
			h.sent++
			h.mu.Unlock()
			return nil
		}
		if !retry {
			break
		}
	}
	h.mu.Lock()
	h.undelive++
	h.mu.Unlock()
	return fmt.Errorf("openlineage: %s event of %s not delivered to %s: %w", e.Type, e.Job, h.URL, last)
}

func (h *LineageHTTP) post(client *http.Client, timeout time.Duration, body []byte) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return true, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	// 4xx: the backend refuses this event; sending it again will not help.
	return false, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
}

// Delivered returns how many events were accepted and how many were given
// up on.
func (h *LineageHTTP) Delivered() (sent, undelivered int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sent, h.undelive
}

// Close does nothing; it makes LineageHTTP a LineageEmitter.
func (h *LineageHTTP) Close() error { return nil }

// Lineages fans events out to several emitters; Emit returns every
// emitter's error, joined.
type Lineages []LineageEmitter

// Emit sends e to every emitter.
func (ls Lineages) Emit(e LineageEvent) error {
	var errs []error
	for _, l := range ls {
		errs = append(errs, l.Emit(e))
	}
	return errors.Join(errs...)
}

// Close closes every emitter.
func (ls Lineages) Close() error {
	var errs []error
	for _, l := range ls {
		errs = append(errs, l.Close())
	}
	return errors.Join(errs...)
}
