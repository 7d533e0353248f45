package main

import (
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// randomQueue is a queue state with nested keys ("/t1/img1" prefixes
// "/t1/img12.jpg"), wildcards, duplicates, malformed paths and load in flight.
func randomQueue(r *rand.Rand, n, originals int) Input {
	in := Input{InFlightPaths: r.Intn(MaxPathsInFlight + 100), InFlightWildcards: r.Intn(MaxWildcardsInFlight + 2)}
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("/t%d/img%d%s", r.Intn(3), r.Intn(originals), []string{"", ".jpg"}[r.Intn(2)])
		var path string
		switch k := r.Intn(100); {
		case k < 3:
			path = fmt.Sprintf("/t%d/*", r.Intn(3))
		case k < 6:
			path = key + "*"
		case k < 8:
			path = []string{"relative", "/a*b", ""}[r.Intn(3)]
		case k < 12:
			path = key
		default:
			path = fmt.Sprintf("%s?fmt=webp&w=%d", key, r.Intn(12))
		}
		in.Pending = append(in.Pending, Item{Path: path, Version: int64(1 + r.Intn(3))})
	}
	return in
}

func covers(sent, path string) bool {
	if isWildcard(sent) {
		return strings.HasPrefix(path, strings.TrimSuffix(sent, "*"))
	}
	return sent == path
}

func TestRandomQueuesKeepThePlannerRules(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for run := 0; run < 300; run++ {
		in := randomQueue(r, 1+r.Intn(400), 40)
		if run%3 == 0 { // resend part of an earlier plan
			for _, b := range Plan(randomQueue(r, 50, 40)).Batches {
				in.Claimed = append(in.Claimed, ClaimedBatch{BatchID: b.BatchID, Items: b.Items})
			}
		}
		out := Plan(in)
		if again := Plan(in); !reflect.DeepEqual(out, again) {
			t.Fatalf("run %d: the same input planned differently", run)
		}
		left := budget{MaxPathsInFlight - in.InFlightPaths, MaxWildcardsInFlight - in.InFlightWildcards}
		for _, b := range out.Batches[:len(in.Claimed)] {
			left.spend(b.Paths)
		}
		before := budget{max0(left.paths), max0(left.wildcards)}
		fresh := out.Batches[len(in.Claimed):]
		var sent []string
		ids := map[string]bool{}
		for _, b := range out.Batches {
			if ids[b.BatchID] {
				t.Fatalf("run %d: batch id %s twice", run, b.BatchID)
			}
			ids[b.BatchID] = true
		}
		for _, b := range fresh {
			if b.Quantity != len(b.Paths) || b.Quantity < 1 || b.Quantity > MaxPathsPerBatch {
				t.Fatalf("run %d: batch of %d paths (quantity %d)", run, len(b.Paths), b.Quantity)
			}
			if folds := IsFoldingBatch(b.BatchID); !reflect.DeepEqual(batchPaths(b.Items, folds), b.Paths) || b.BatchID != batchID(b.Items, folds) {
				t.Fatalf("run %d: batch %q would not be resent unchanged", run, b.Paths)
			}
			left.spend(b.Paths)
			sent = append(sent, b.Paths...)
		}
		planned := 0
		for _, b := range fresh {
			for _, it := range b.Items {
				planned++
				n, inBatch := 0, false
				for _, s := range sent {
					if covers(s, it.Path) {
						n++
					}
				}
				for _, s := range b.Paths {
					inBatch = inBatch || covers(s, it.Path)
				}
				if n != 1 || !inBatch {
					t.Fatalf("run %d: %s covered %d times (in its own batch: %v)", run, it.Path, n, inBatch)
				}
			}
		}
		if planned+out.Deferred+len(out.Rejected) != out.Stats.Pending {
			t.Fatalf("run %d: %d planned + %d deferred + %d rejected != %d pending", run, planned, out.Deferred, len(out.Rejected), out.Stats.Pending)
		}
		// Neither budget overspent; what waits, waits because a budget is spent (the wildcards, but
		// for an exact path too long to fold).
		spent := budget{}
		spent.spend(sent)
		if -spent.paths > before.paths || -spent.wildcards > before.wildcards {
			t.Fatalf("run %d: sent %d exact and %d wildcard paths with %+v left", run, -spent.paths, -spent.wildcards, before)
		}
		left = budget{before.paths + spent.paths, before.wildcards + spent.wildcards}
		if out.Deferred > 0 && left.paths > 0 && left.wildcards > 0 {
			t.Fatalf("run %d: %d deferred with budget left %+v", run, out.Deferred, left)
		}
		// Exact paths are preferred while the path budget is plentiful: with 16 times the pending
		// paths left, no group can take more of it than one wildcard would of its own (a queued
		// wildcard under an original's wildcard folds whatever the budget: it saves paths for nothing).
		queuedWildcards := false
		for _, it := range in.Pending {
			queuedWildcards = queuedWildcards || isWildcard(it.Path)
		}
		if !queuedWildcards && before.paths >= 16*len(in.Pending) && out.Stats.Folded > 0 {
			t.Fatalf("run %d: folded %d paths with %d of the path budget left for %d pending", run, out.Stats.Folded, before.paths, len(in.Pending))
		}
	}
}

// TestRandomQueuesSpendTheScarcerBudget plans exact paths only: with the path budget
// plentiful nothing folds; as it runs short, wildcards take over, and nothing waits while
// either budget could take it.
func TestRandomQueuesSpendTheScarcerBudget(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for run := 0; run < 200; run++ {
		var pending []Item
		for i, n := 0, 1+r.Intn(180); i < n; i++ {
			pending = append(pending, Item{Path: fmt.Sprintf("/t/img%d.jpg?w=%d", r.Intn(20), r.Intn(12)), Version: 1})
		}
		if out := Plan(Input{Pending: pending}); out.Stats.Folded != 0 || out.Stats.Wildcards != 0 || out.Deferred != 0 {
			t.Fatalf("run %d: full budgets, %d paths: folded %d, deferred %d", run, len(pending), out.Stats.Folded, out.Deferred)
		}
		pathsLeft := r.Intn(len(pending))
		out := Plan(Input{Pending: pending, InFlightPaths: MaxPathsInFlight - pathsLeft})
		exact := out.Stats.Sent - out.Stats.Wildcards
		if exact > pathsLeft || out.Stats.Wildcards > MaxWildcardsInFlight {
			t.Fatalf("run %d: %d exact with %d left, %d wildcards", run, exact, pathsLeft, out.Stats.Wildcards)
		}
		if out.Deferred > 0 && out.Stats.Wildcards < MaxWildcardsInFlight {
			t.Fatalf("run %d: %d deferred with %d wildcards left", run, out.Deferred, MaxWildcardsInFlight-out.Stats.Wildcards)
		}
	}
}

// BenchmarkPlan100k plans 100k queued paths of some 18k originals.
func BenchmarkPlan100k(b *testing.B) {
	in := randomQueue(rand.New(rand.NewSource(1)), 100_000, 3_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Plan(in)
	}
}
