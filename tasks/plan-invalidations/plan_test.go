package main

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// queue makes pending items at version 1, oldest first.
func queue(paths ...string) []Item {
	items := make([]Item, len(paths))
	for i, p := range paths {
		items[i] = Item{Path: p, Version: 1}
	}
	return items
}

// variants are n exact paths of one original.
func variants(key string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s?fmt=webp&q=75&w=%d", key, 100+i)
	}
	return out
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// shape is a batch as the tests compare it: sent paths, then the items' paths.
func shape(b Batch) string {
	items := make([]string, len(b.Items))
	for i, it := range b.Items {
		items[i] = it.Path
	}
	return strings.Join(b.Paths, " ") + " | " + strings.Join(items, " ")
}

func shapes(batches []Batch) []string {
	out := []string{}
	for _, b := range batches {
		out = append(out, shape(b))
	}
	return out
}

// pathsLeft and wildcardsLeft give the inFlight that leaves so much of each budget.
func pathsLeft(n int) int     { return MaxPathsInFlight - n }
func wildcardsLeft(n int) int { return MaxWildcardsInFlight - n }

func TestPlan(t *testing.T) {
	a, b := variants("/t/a.jpg", 4), variants("/t/b.jpg", 5)
	cases := []struct {
		name      string
		in        Input
		want      []string
		deferred  int
		folded    int
		wildcards int
	}{
		{
			name: "exact paths go out as they are, sorted",
			in:   Input{Pending: queue("/t/b.jpg?w=1", "/t/a.jpg?w=1")},
			want: []string{"/t/a.jpg?w=1 /t/b.jpg?w=1 | /t/a.jpg?w=1 /t/b.jpg?w=1"},
		},
		{
			name:      "a queued wildcard carries the queued paths it prefixes, unsent",
			in:        Input{Pending: queue("/t/a.jpg?w=1", "/t/*", "/u/b.jpg?w=1", "/t/x/c.jpg")},
			want:      []string{"/t/* /u/b.jpg?w=1 | /t/* /t/a.jpg?w=1 /t/x/c.jpg /u/b.jpg?w=1"},
			wildcards: 1,
		},
		{
			name:      "of nested wildcards the shortest is sent; a wildcard covers the path equal to its prefix",
			in:        Input{Pending: queue("/t/x/*", "/t/x", "/t*")},
			want:      []string{"/t* | /t* /t/x /t/x/*"},
			wildcards: 1,
		},
		{
			name: "with both budgets full, an original's paths go out exact: a wildcard purges more than asked",
			in:   Input{Pending: queue(concat(a, b)...)},
			want: []string{strings.Join(concat(a, b), " ") + " | " + strings.Join(concat(a, b), " ")},
		},
		{
			name: "200 paths of one original with both budgets full: exact, a tie (200/3000 = 1/15)",
			in:   Input{Pending: queue(variants("/t/a.jpg", 200)...)},
			want: []string{strings.Join(sorted(variants("/t/a.jpg", 200)), " ") + " | " + strings.Join(sorted(variants("/t/a.jpg", 200)), " ")},
		},
		{
			name:      "201 paths of one original with both budgets full: one wildcard, a smaller share of its budget",
			in:        Input{Pending: queue(variants("/t/a.jpg", 201)...)},
			want:      []string{"/t/a.jpg* | " + strings.Join(sorted(variants("/t/a.jpg", 201)), " ")},
			folded:    201,
			wildcards: 1,
		},
		{
			name: "4 paths with 60 paths and 15 wildcards left: exact, a tie (4/60 = 1/15)",
			in:   Input{Pending: queue(a...), InFlightPaths: pathsLeft(60)},
			want: []string{strings.Join(a, " ") + " | " + strings.Join(a, " ")},
		},
		{
			name:      "4 paths with 59 paths and 15 wildcards left: one wildcard, the original's own path among the covered",
			in:        Input{Pending: queue(concat(a, []string{"/t/a.jpg"})...), InFlightPaths: pathsLeft(59)},
			want:      []string{"/t/a.jpg* | " + strings.Join(concat([]string{"/t/a.jpg"}, a), " ")},
			folded:    5,
			wildcards: 1,
		},
		{
			name: "the scarcer budget is the one spared: 4 paths with 200 paths and 1 wildcard left go exact",
			in:   Input{Pending: queue(a...), InFlightPaths: pathsLeft(200), InFlightWildcards: wildcardsLeft(1)},
			want: []string{strings.Join(a, " ") + " | " + strings.Join(a, " ")},
		},
		{
			name:      "what does not fit the path budget goes as a wildcard, and what then fits neither waits",
			in:        Input{Pending: queue(concat(a, b, []string{"/u/c.jpg?w=1"})...), InFlightPaths: pathsLeft(3), InFlightWildcards: wildcardsLeft(1)},
			want:      []string{"/t/a.jpg* | " + strings.Join(a, " "), "/u/c.jpg?w=1 | /u/c.jpg?w=1"},
			deferred:  5,
			folded:    4,
			wildcards: 1,
		},
		{
			name:      "a wildcard budget spent as the paths run short: each group compared with what is left then",
			in:        Input{Pending: queue(concat(a, b)...), InFlightPaths: pathsLeft(70)},
			want:      []string{strings.Join(a, " ") + " | " + strings.Join(a, " "), "/t/b.jpg* | " + strings.Join(b, " ")},
			folded:    5,
			wildcards: 1,
		},
		{
			name:      "a folded wildcard carries the other queued paths it prefixes, queued wildcards among them",
			in:        Input{Pending: queue(concat(variants("/t/a", 4), []string{"/t/ab.jpg?w=1", "/t/a?fmt=avif*", "/t/b?w=1"})...)},
			want:      []string{"/t/a* | " + strings.Join(concat([]string{"/t/a?fmt=avif*"}, variants("/t/a", 4), []string{"/t/ab.jpg?w=1"}), " "), "/t/b?w=1 | /t/b?w=1"},
			folded:    6,
			wildcards: 1,
		},
		{
			name:      "a queued wildcard under an original's wildcard folds with it: one wildcard instead of one and the paths",
			in:        Input{Pending: queue("/t/a.jpg?fmt=webp*", "/t/a.jpg?fmt=avif&w=1", "/t/a.jpg")},
			want:      []string{"/t/a.jpg* | /t/a.jpg /t/a.jpg?fmt=avif&w=1 /t/a.jpg?fmt=webp*"},
			folded:    3,
			wildcards: 1,
		},
		{
			name:     "a wildcard beyond the budget waits with what it covers; exact paths still go",
			in:       Input{Pending: queue("/t/*", "/t/a.jpg?w=1", "/u/b.jpg?w=1"), InFlightWildcards: MaxWildcardsInFlight},
			want:     []string{"/u/b.jpg?w=1 | /u/b.jpg?w=1"},
			deferred: 2,
		},
		{
			name:     "with no wildcard left, the path budget goes to the oldest first",
			in:       Input{Pending: queue("/t/4", "/t/3", "/t/2", "/t/1"), InFlightPaths: pathsLeft(2), InFlightWildcards: MaxWildcardsInFlight},
			want:     []string{"/t/3 /t/4 | /t/3 /t/4"},
			deferred: 2,
		},
		{
			name:     "inFlight beyond both quotas sends nothing",
			in:       Input{Pending: queue("/t/1"), InFlightPaths: MaxPathsInFlight + 5, InFlightWildcards: MaxWildcardsInFlight + 1},
			want:     []string{},
			deferred: 1,
		},
		{
			name: "claimed batches come first and count against the budget",
			in: Input{
				Pending:           queue("/t/1", "/t/2"),
				Claimed:           []ClaimedBatch{{BatchID: "inv-claimed", Items: queue("/c/1", "/c/2")}},
				InFlightPaths:     MaxPathsInFlight - 3,
				InFlightWildcards: MaxWildcardsInFlight,
			},
			want:     []string{"/c/1 /c/2 | /c/1 /c/2", "/t/1 | /t/1"},
			deferred: 1,
		},
		{
			name: "a claimed folding batch is resent folded, and its wildcard counts against the wildcard budget",
			in: Input{
				Pending:           queue("/t/1"),
				Claimed:           []ClaimedBatch{{BatchID: "inv-wclaimed", Items: queue(variants("/c/a.jpg", 3)...)}},
				InFlightWildcards: MaxWildcardsInFlight - 1,
				InFlightPaths:     MaxPathsInFlight - 1,
			},
			want:      []string{"/c/a.jpg* | " + strings.Join(variants("/c/a.jpg", 3), " "), "/t/1 | /t/1"},
			wildcards: 1,
		},
		{
			name: "a pending request a claimed batch carries is not planned again; a newer one is",
			in: Input{
				Pending: []Item{{Path: "/c/1", Version: 1}, {Path: "/c/2", Version: 3}},
				Claimed: []ClaimedBatch{{BatchID: "inv-claimed", Items: []Item{{Path: "/c/1", Version: 2}, {Path: "/c/2", Version: 2}}}},
			},
			want: []string{"/c/1 /c/2 | /c/1 /c/2", "/c/2 | /c/2"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := Plan(tc.in)
			if got := shapes(out.Batches); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("batches:\n got %q\nwant %q", got, tc.want)
			}
			if out.Deferred != tc.deferred || out.Stats.Folded != tc.folded || out.Stats.Wildcards != tc.wildcards {
				t.Errorf("deferred, folded, wildcards = %d, %d, %d; want %d, %d, %d",
					out.Deferred, out.Stats.Folded, out.Stats.Wildcards, tc.deferred, tc.folded, tc.wildcards)
			}
			for _, b := range out.Batches[len(tc.in.Claimed):] {
				if got := batchPaths(b.Items, IsFoldingBatch(b.BatchID)); !reflect.DeepEqual(got, b.Paths) {
					t.Errorf("batch %q would be resent as %q", b.Paths, got)
				}
				if IsFoldingBatch(b.BatchID) != hasFold(b) {
					t.Errorf("batch %s %q: its id and its folds disagree", b.BatchID, b.Paths)
				}
			}
		})
	}
}

func sorted(paths []string) []string {
	out := append([]string(nil), paths...)
	sort.Strings(out)
	return out
}

// hasFold says whether a batch sends a wildcard that is none of its items.
func hasFold(b Batch) bool {
	queued := map[string]bool{}
	for _, it := range b.Items {
		queued[it.Path] = true
	}
	for _, p := range b.Paths {
		if isWildcard(p) && !queued[p] {
			return true
		}
	}
	return false
}

func TestPlanDedupesKeepingTheHighestVersionAtTheOldestPlace(t *testing.T) {
	pending := []Item{{"/t/1", 1}, {"/t/2", 1}, {"/t/1", 3}, {"/t/1", 2}}
	out := Plan(Input{Pending: pending, InFlightPaths: MaxPathsInFlight - 1, InFlightWildcards: MaxWildcardsInFlight})
	want := []Batch{{BatchID: batchID([]Item{{"/t/1", 3}}, false), Paths: []string{"/t/1"}, Quantity: 1, Items: []Item{{"/t/1", 3}}}}
	if !reflect.DeepEqual(out.Batches, want) || out.Deferred != 1 || out.Stats.Pending != 2 {
		t.Fatalf("got %+v", out)
	}
}

func TestPlanFillsBatchesUpToTheirLimit(t *testing.T) {
	var paths []string
	for i := 0; i < 2500; i++ {
		paths = append(paths, fmt.Sprintf("/t/%d.jpg?w=1", i))
	}
	out := Plan(Input{Pending: queue(paths...)})
	var sizes []int
	for _, b := range out.Batches {
		sizes = append(sizes, b.Quantity)
	}
	if !reflect.DeepEqual(sizes, []int{1000, 1000, 500}) || out.Stats.Sent != 2500 {
		t.Fatalf("batch sizes %v, sent %d", sizes, out.Stats.Sent)
	}
}

func TestPlanRejectsMalformedPendingPathsAlone(t *testing.T) {
	long := "/" + strings.Repeat("x", MaxPathLength)
	out := Plan(Input{Pending: queue("relative.jpg", "/t/a.jpg?w=1", "/a*b", "", long, "/ok/"+strings.Repeat("x", MaxPathLength-5)+"*")})
	want := []Rejected{
		{Path: "relative.jpg", Version: 1, Reason: `does not start with "/"`},
		{Path: "/a*b", Version: 1, Reason: `has a "*" before its last character`},
		{Path: "", Version: 1, Reason: `does not start with "/"`},
		{Path: long, Version: 1, Reason: "longer than 4000 characters"},
	}
	if !reflect.DeepEqual(out.Rejected, want) {
		t.Errorf("rejected %+v", out.Rejected)
	}
	if len(out.Batches) != 1 || out.Batches[0].Quantity != 2 || out.Deferred != 0 || out.Stats.Pending != 6 {
		t.Errorf("got %+v", out)
	}
}

func TestClaimedBatchesAreResentUnchanged(t *testing.T) {
	first := Plan(Input{
		Pending:           queue(concat(variants("/t/a.jpg", 6), variants("/t/b.jpg", 5), []string{"/u/*", "/u/c.jpg?w=1", "/v/d.jpg?w=1"})...),
		InFlightPaths:     pathsLeft(10),
		InFlightWildcards: wildcardsLeft(3),
	})
	// /t/a.jpg folds (6/10 > 1/3), /t/b.jpg does not (5/10 = 1/2), /u/* goes as queued, /v/d.jpg exact (1/5 < 1/1).
	if got := shapes(first.Batches); !reflect.DeepEqual(got, []string{
		"/t/a.jpg* | " + strings.Join(variants("/t/a.jpg", 6), " "),
		strings.Join(concat(variants("/t/b.jpg", 5), []string{"/u/*", "/v/d.jpg?w=1"}), " ") + " | " + strings.Join(concat(variants("/t/b.jpg", 5), []string{"/u/*", "/u/c.jpg?w=1", "/v/d.jpg?w=1"}), " "),
	}) {
		t.Fatalf("expected an exact batch and a folding one: %q", got)
	}
	var claimed []ClaimedBatch
	for _, b := range first.Batches {
		claimed = append(claimed, ClaimedBatch{BatchID: b.BatchID, Items: b.Items})
	}
	again := Plan(Input{Pending: queue("/w/e.jpg?w=1"), Claimed: claimed})
	if !reflect.DeepEqual(again.Batches[:len(first.Batches)], first.Batches) {
		t.Fatalf("resent\n%q\nplanned\n%q", shapes(again.Batches), shapes(first.Batches))
	}
	if got := shapes(again.Batches[len(first.Batches):]); !reflect.DeepEqual(got, []string{"/w/e.jpg?w=1 | /w/e.jpg?w=1"}) {
		t.Errorf("new batches %q", got)
	}
}

func TestBatchIDNamesTheItemsWhateverTheirOrder(t *testing.T) {
	// sha256("/a@1\n/b@2")
	want := "inv-6500cce89d61377873f69541257acfae"
	for _, items := range [][]Item{{{"/a", 1}, {"/b", 2}}, {{"/b", 2}, {"/a", 1}}} {
		if got := batchID(items, false); got != want {
			t.Errorf("batchID(%v) = %s", items, got)
		}
	}
	if batchID([]Item{{"/a", 2}, {"/b", 2}}, false) == want {
		t.Error("a new version must give a new batch id")
	}
	if got := batchID([]Item{{"/a", 1}, {"/b", 2}}, true); got != "inv-w6500cce89d61377873f69541257acfae" || !IsFoldingBatch(got) || IsFoldingBatch(want) {
		t.Errorf("a folding batch's id says so: %s", got)
	}
}

func TestPathProblem(t *testing.T) {
	for path, want := range map[string]string{
		"/":        "",
		"/*":       "",
		"/a?w=1*":  "",
		"a":        `does not start with "/"`,
		"/a**":     `has a "*" before its last character`,
		"/*/a.jpg": `has a "*" before its last character`,
	} {
		if got := pathProblem(path); got != want {
			t.Errorf("pathProblem(%q) = %q, want %q", path, got, want)
		}
	}
}
