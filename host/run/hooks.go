package run

import "context"

// Hook names the points of a load where Hooks can act (fault injection in
// crash-safety tests: kill the process at an exact phase).
type Hook string

// Hook points, in the order a load passes them.
const (
	HookAfterBatch   Hook = "after_batch"
	HookAfterPending Hook = "after_pending"
	// HookBeforeCommit is after the lock check, just before CommitLoad.
	HookBeforeCommit Hook = "before_commit"
	HookAfterCommit  Hook = "after_commit"
)

// Hooks are called at each Hook point with the unit id; nil is fine.
type Hooks func(ctx context.Context, h Hook, unit string)

func (h Hooks) fire(ctx context.Context, point Hook, unit string) {
	if h != nil {
		h(ctx, point, unit)
	}
}
