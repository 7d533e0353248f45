package main

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
)

// CloudFront's invalidation quotas (docs/aws-limits.md §C) and the folding rule
// (docs/pipeline.md, "The planner").
const (
	MaxPathsInFlight     = 3000
	MaxWildcardsInFlight = 15
	MaxPathsPerBatch     = 1000
	FoldMinPaths         = 4
	// At most this many exact paths of an eligible group left unfolded share a
	// batch, so batchPaths does not fold them when the batch is resent.
	maxUnfoldedPerBatch = FoldMinPaths - 1
	batchIDPrefix       = "inv-"
	batchIDHexDigits    = 32
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

type budget struct{ paths, wildcards int }

// spend takes one path from the budget, which a wildcard uses on both counts:
// that keeps within the quotas whether or not inFlight counts wildcards as paths.
func (b *budget) spend(path string) bool {
	wild := isWildcard(path)
	if b.paths < 1 || (wild && b.wildcards < 1) {
		return false
	}
	b.paths--
	if wild {
		b.wildcards--
	}
	return true
}

// Plan turns a queue state into invalidation batches. The same input always
// gives the same output.
func Plan(in Input) Output {
	out := Output{Batches: []Batch{}, Rejected: []Rejected{}}
	left := budget{paths: MaxPathsInFlight - in.InFlightPaths, wildcards: MaxWildcardsInFlight - in.InFlightWildcards}
	claimedVersion := map[string]int64{}
	for _, c := range in.Claimed {
		paths := batchPaths(c.Items)
		out.Batches = append(out.Batches, Batch{BatchID: c.BatchID, Paths: paths, Quantity: len(paths), Items: c.Items})
		for _, p := range paths {
			left.paths--
			if isWildcard(p) {
				left.wildcards--
			}
		}
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

// pack forms the new batches from distinct valid items in age order: each root
// path with the items it covers (a unit) goes out whole or waits whole, oldest
// unit first, while the budget lasts.
func pack(items []Item, left budget) (batches []Batch, deferred, folded int) {
	paths := make([]string, len(items))
	for i, it := range items {
		paths[i] = it.Path
	}
	// Queued wildcards get the wildcard budget first: they cannot be sent any other way.
	c := cover(paths, func(rootWildcards int) int { return left.wildcards - rootWildcards })

	unitOf := map[int]int{} // root index in c.paths → unit index
	var units [][]int       // item indexes, the first one's root being the unit's root
	for i := range items {
		r := c.roots[i]
		u, ok := unitOf[r]
		if !ok {
			u = len(units)
			unitOf[r] = u
			units = append(units, nil)
		}
		units[u] = append(units[u], i)
	}

	var p packer
	for _, members := range units {
		root := c.paths[c.roots[members[0]]]
		if !left.spend(root) {
			deferred += len(members)
			continue
		}
		group := ""
		if !isWildcard(root) && c.eligible[foldKey(root)] {
			group = foldKey(root)
		}
		b := p.place(group)
		b.paths = append(b.paths, root)
		for _, i := range members {
			b.items = append(b.items, items[i])
		}
		if c.roots[members[0]] >= len(items) {
			folded += len(members)
		}
	}
	for _, d := range p.batches {
		batches = append(batches, d.finish())
	}
	return batches, deferred, folded
}

type draft struct {
	paths []string
	items []Item
}

func (d *draft) finish() Batch {
	sort.Strings(d.paths)
	sort.Slice(d.items, func(a, b int) bool { return d.items[a].Path < d.items[b].Path })
	return Batch{BatchID: batchID(d.items), Paths: d.paths, Quantity: len(d.paths), Items: d.items}
}

// packer fills batches first-fit, keeping at most maxUnfoldedPerBatch paths of
// one unfolded eligible group in a batch.
type packer struct {
	batches []*draft
	open    int // no batch before this one has room
	chunks  map[string]chunk
}

type chunk struct{ batch, n int }

func (p *packer) place(group string) *draft {
	p.open = p.withRoom(p.open)
	if group == "" {
		return p.batches[p.open]
	}
	if p.chunks == nil {
		p.chunks = map[string]chunk{}
	}
	c := p.chunks[group]
	from := c.batch
	if c.n == maxUnfoldedPerBatch {
		from++
	}
	if from < p.open {
		from = p.open
	}
	if b := p.withRoom(from); b != c.batch {
		c = chunk{batch: b}
	}
	c.n++
	p.chunks[group] = c
	return p.batches[c.batch]
}

// withRoom returns the first batch from index i on with room for a path, opening one if none has.
func (p *packer) withRoom(i int) int {
	for i < len(p.batches) && len(p.batches[i].paths) >= MaxPathsPerBatch {
		i++
	}
	if i == len(p.batches) {
		p.batches = append(p.batches, &draft{})
	}
	return i
}

// batchID names a batch by its items, so the same queue state plans the same
// CallerReference and a new request (a new version) gets a new one.
func batchID(items []Item) string {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.Path + "@" + strconv.FormatInt(it.Version, 10)
	}
	sort.Strings(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	return batchIDPrefix + hex.EncodeToString(sum[:])[:batchIDHexDigits]
}
