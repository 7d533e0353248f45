package main

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
)

// CloudFront's invalidation quotas (docs/aws-limits.md §C): exact paths and
// wildcard paths in progress count against two independent budgets.
const (
	MaxPathsInFlight     = 3000
	MaxWildcardsInFlight = 15
	MaxPathsPerBatch     = 1000
	batchIDPrefix        = "inv-"
	// A batch that folds exact paths into wildcards says so in its id, so that a
	// resend recomputes the same paths from its items (batchPaths).
	foldingBatchIDPrefix = "inv-w"
	batchIDHexDigits     = 32
)

// Item is one queued path at the version of its latest request.
type Item struct {
	Path    string `json:"path"`
	Version int64  `json:"version"`
}

type ClaimedBatch struct {
	BatchID string
	Items   []Item
}

type Input struct {
	Pending           []Item
	Claimed           []ClaimedBatch
	InFlightPaths     int
	InFlightWildcards int
	ExecutionName     string
}

type Batch struct {
	BatchID  string   `json:"batchId"`
	Paths    []string `json:"paths"`
	Quantity int      `json:"quantity"`
	Items    []Item   `json:"items"`
}

// Rejected is a pending path CloudFront would refuse. It is left out of every
// batch, so it cannot fail one, and reported for whoever queued it.
type Rejected struct {
	Path    string `json:"path"`
	Version int64  `json:"version"`
	Reason  string `json:"reason"`
}

type Stats struct {
	// Pending counts the distinct pending paths planned: in a batch, deferred or rejected.
	Pending int `json:"pending"`
	// Sent and Wildcards count the paths of every batch, claimed ones included.
	Sent      int `json:"sent"`
	Wildcards int `json:"wildcards"`
	// Folded counts the pending paths sent inside a wildcard folded from their original's paths.
	Folded int `json:"folded"`
}

type Output struct {
	Batches  []Batch    `json:"batches"`
	Deferred int        `json:"deferred"`
	Rejected []Rejected `json:"rejected"`
	Stats    Stats      `json:"stats"`
}

// budget is what is left of each quota: exact paths and wildcard paths.
type budget struct{ paths, wildcards int }

func (b *budget) spend(paths []string) {
	for _, p := range paths {
		if isWildcard(p) {
			b.wildcards--
		} else {
			b.paths--
		}
	}
}

// folds says whether a unit goes out as one wildcard rather than as its exact
// paths and queued wildcards (exact, wild), given what is left: the wildcard
// when only it fits, or when both fit and the exact paths would take a larger
// fraction of the path budget left than the wildcard saves of the wildcard
// budget left (exact/paths + wild/wildcards > 1/wildcards); on a tie, exact.
func (b budget) folds(exact, wild int) (fold, fits bool) {
	p, w := max0(b.paths), max0(b.wildcards)
	foldFits := w >= 1
	exactFits := exact <= p && wild <= w
	switch {
	case foldFits && exactFits:
		return (1-wild)*p < exact*w, true
	case foldFits:
		return true, true
	default:
		return false, exactFits
	}
}

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

// IsFoldingBatch says whether a batch id is one of a batch that folds.
func IsFoldingBatch(batchID string) bool { return strings.HasPrefix(batchID, foldingBatchIDPrefix) }

// Plan turns a queue state into invalidation batches. The same input always
// gives the same output.
func Plan(in Input) Output {
	out := Output{Batches: []Batch{}, Rejected: []Rejected{}}
	left := budget{paths: MaxPathsInFlight - in.InFlightPaths, wildcards: MaxWildcardsInFlight - in.InFlightWildcards}
	claimedVersion := map[string]int64{}
	for _, c := range in.Claimed {
		paths := batchPaths(c.Items, IsFoldingBatch(c.BatchID))
		out.Batches = append(out.Batches, Batch{BatchID: c.BatchID, Paths: paths, Quantity: len(paths), Items: c.Items})
		left.spend(paths)
		for _, it := range c.Items {
			if v, ok := claimedVersion[it.Path]; !ok || it.Version > v {
				claimedVersion[it.Path] = it.Version
			}
		}
	}

	queued := dedupe(in.Pending, claimedVersion, &out.Rejected)
	out.Stats.Pending = len(queued) + len(out.Rejected)
	newBatches, deferred, folded := pack(queued, left)
	out.Batches = append(out.Batches, newBatches...)
	out.Deferred, out.Stats.Folded = deferred, folded
	for _, b := range out.Batches {
		out.Stats.Sent += b.Quantity
		for _, p := range b.Paths {
			if isWildcard(p) {
				out.Stats.Wildcards++
			}
		}
	}
	return out
}

// dedupe keeps each pending path once, oldest position first, at its highest
// version, and sets aside paths CloudFront would refuse and requests a claimed
// batch already carries (the same path at the same or a later version).
func dedupe(pending []Item, claimedVersion map[string]int64, rejected *[]Rejected) []Item {
	index := map[string]int{}
	var items []Item
	for _, it := range pending {
		if i, ok := index[it.Path]; ok {
			if it.Version > items[i].Version {
				items[i].Version = it.Version
			}
			continue
		}
		index[it.Path] = len(items)
		items = append(items, it)
	}
	kept := items[:0]
	for _, it := range items {
		if problem := pathProblem(it.Path); problem != "" {
			*rejected = append(*rejected, Rejected{Path: it.Path, Version: it.Version, Reason: problem})
		} else if v, ok := claimedVersion[it.Path]; !ok || it.Version > v {
			kept = append(kept, it)
		}
	}
	return kept
}

// atom is one sent path with the items it covers, bound for a batch of its kind.
type atom struct {
	path  string
	items []Item
	folds bool
}

// pack forms the new batches from distinct valid items in age order. A unit is
// the items under one outermost path (a queued wildcard, an original's fold
// candidate, or an exact path that cannot fold); oldest unit first, each goes
// out whole, folded or not as the budget left says, or waits whole.
func pack(items []Item, left budget) (batches []Batch, deferred, folded int) {
	paths := make([]string, len(items))
	for i, it := range items {
		paths[i] = it.Path
	}
	c := cover(paths)
	unitOf := map[int]int{}
	var units [][]int // item indexes, in age order
	for i := range items {
		u, ok := unitOf[c.root[i]]
		if !ok {
			u = len(units)
			unitOf[c.root[i]] = u
			units = append(units, nil)
		}
		units[u] = append(units[u], i)
	}

	var atoms []atom
	for _, members := range units {
		root := c.root[members[0]]
		if root < c.queued && !isWildcard(c.paths[root]) {
			// An exact path no wildcard could cover: the path budget or nothing.
			if left.paths >= 1 {
				left.paths--
				atoms = append(atoms, atom{path: c.paths[root], items: []Item{items[members[0]]}})
			} else {
				deferred++
			}
			continue
		}
		// Unfolded, each member goes under its outermost queued path.
		sentExact := map[int][]Item{}
		var order []int
		exact, wild := 0, 0
		for _, i := range members {
			r := c.queuedRoot[i]
			if _, ok := sentExact[r]; !ok {
				order = append(order, r)
				if isWildcard(c.paths[r]) {
					wild++
				} else {
					exact++
				}
			}
			sentExact[r] = append(sentExact[r], items[i])
		}
		var fold, fits bool
		if root < c.queued { // a queued wildcard: sent as it is, or not at all
			fold, fits = false, left.wildcards >= 1
		} else {
			fold, fits = left.folds(exact, wild)
		}
		switch {
		case !fits:
			deferred += len(members)
		case fold:
			left.wildcards--
			unit := make([]Item, len(members))
			for k, i := range members {
				unit[k] = items[i]
			}
			atoms = append(atoms, atom{path: c.paths[root], items: unit, folds: true})
			folded += len(members)
		default:
			left.wildcards -= wild
			left.paths -= exact
			for _, r := range order {
				atoms = append(atoms, atom{path: c.paths[r], items: sentExact[r]})
			}
		}
	}

	var p packer
	for _, a := range atoms {
		d := p.place(a.folds)
		d.paths = append(d.paths, a.path)
		d.items = append(d.items, a.items...)
	}
	for _, d := range p.drafts {
		batches = append(batches, d.finish())
	}
	return batches, deferred, folded
}

type draft struct {
	paths []string
	items []Item
	folds bool
}

func (d *draft) finish() Batch {
	sort.Strings(d.paths)
	sort.Slice(d.items, func(a, b int) bool { return d.items[a].Path < d.items[b].Path })
	return Batch{BatchID: batchID(d.items, d.folds), Paths: d.paths, Quantity: len(d.paths), Items: d.items}
}

// packer fills batches first-fit, folding and exact ones apart.
type packer struct {
	drafts []*draft
	open   [2]int // per kind: no batch of that kind before this index has room
}

func (p *packer) place(folds bool) *draft {
	k := 0
	if folds {
		k = 1
	}
	i := p.open[k]
	for i < len(p.drafts) && (p.drafts[i].folds != folds || len(p.drafts[i].paths) >= MaxPathsPerBatch) {
		i++
	}
	if i == len(p.drafts) {
		p.drafts = append(p.drafts, &draft{folds: folds})
	}
	p.open[k] = i
	return p.drafts[i]
}

// batchID names a batch by its kind and items, so the same queue state plans the
// same CallerReference, a new request (a new version) gets a new one, and a
// resend knows whether the batch folds.
func batchID(items []Item, folds bool) string {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.Path + "@" + strconv.FormatInt(it.Version, 10)
	}
	sort.Strings(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	prefix := batchIDPrefix
	if folds {
		prefix = foldingBatchIDPrefix
	}
	return prefix + hex.EncodeToString(sum[:])[:batchIDHexDigits]
}
