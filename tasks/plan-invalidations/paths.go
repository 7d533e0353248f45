package main

import (
	"sort"
	"strings"
)

// MaxPathLength is CloudFront's limit on one invalidation path. It is checked
// in bytes, which never undercounts characters.
const MaxPathLength = 4000

// pathProblem says why CloudFront would refuse path in an invalidation batch,
// or returns "" when it is a valid path.
func pathProblem(path string) string {
	switch {
	case !strings.HasPrefix(path, "/"):
		return `does not start with "/"`
	case len(path) > MaxPathLength:
		return "longer than 4000 characters"
	case strings.Contains(strings.TrimSuffix(path, "*"), "*"):
		return `has a "*" before its last character`
	}
	return ""
}

func isWildcard(path string) bool { return strings.HasSuffix(path, "*") }

// foldKey is the part of an exact path that names its original: everything
// before the query. All exact paths with one key fold into the wildcard key+"*".
func foldKey(path string) string {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		return path[:i]
	}
	return path
}

// coverRoots returns, for each of the distinct paths, the index of the path
// that covers it: the shortest wildcard whose prefix (the wildcard without its
// "*") starts it, or the path itself when no wildcard does.
func coverRoots(paths []string) []int {
	keys := make([]string, len(paths))
	for i, p := range paths {
		keys[i] = strings.TrimSuffix(p, "*")
	}
	order := make([]int, len(paths))
	for i := range order {
		order[i] = i
	}
	// In sorted order, everything a wildcard covers follows it without a gap,
	// so one sweep finds the outermost wildcard over each path. A wildcard sorts
	// before the exact path equal to its prefix ("/a*" covers "/a").
	sort.Slice(order, func(a, b int) bool {
		ka, kb := keys[order[a]], keys[order[b]]
		if ka != kb {
			return ka < kb
		}
		return isWildcard(paths[order[a]])
	})
	roots := make([]int, len(paths))
	root := -1
	for _, i := range order {
		if root >= 0 && strings.HasPrefix(keys[i], keys[root]) {
			roots[i] = root
			continue
		}
		roots[i], root = i, -1
		if isWildcard(paths[i]) {
			root = i
		}
	}
	return roots
}

// foldGroup is the exact paths of one original that no queued wildcard covers.
type foldGroup struct {
	key  string
	size int
}

// coverage says how a set of distinct queued paths is sent: the queued paths
// followed by the fold wildcards chosen, and for each of them its root, the
// path in that list that is sent in its place (itself when it is sent as is).
type coverage struct {
	paths []string
	roots []int
	// eligible holds the keys of the groups of at least FoldMinPaths exact paths, folded or not.
	eligible map[string]bool
}

// cover applies the planner's coverage rules to distinct queued paths: queued
// wildcards cover what they prefix, then the largest eligible groups fold into
// wildcards, which cover what they prefix. foldSlots says how many groups may
// fold, given how many queued wildcards are left uncovered.
func cover(queued []string, foldSlots func(rootWildcards int) int) coverage {
	roots := coverRoots(queued)
	var groups []foldGroup
	index := map[string]int{}
	rootWildcards := 0
	for i, p := range queued {
		if roots[i] != i {
			continue
		}
		if isWildcard(p) {
			rootWildcards++
			continue
		}
		k := foldKey(p)
		if g, ok := index[k]; ok {
			groups[g].size++
			continue
		}
		index[k] = len(groups)
		groups = append(groups, foldGroup{key: k, size: 1})
	}
	var eligible []foldGroup
	keys := map[string]bool{}
	for _, g := range groups {
		if g.size >= FoldMinPaths {
			eligible = append(eligible, g)
			keys[g.key] = true
		}
	}
	// Stable: among equal sizes the group queued first comes first.
	sort.SliceStable(eligible, func(a, b int) bool { return eligible[a].size > eligible[b].size })
	folds := foldSlots(rootWildcards)
	if folds > len(eligible) {
		folds = len(eligible)
	}
	if folds <= 0 {
		return coverage{paths: queued, roots: roots, eligible: keys}
	}
	paths := append(make([]string, 0, len(queued)+folds), queued...)
	for _, g := range eligible[:folds] {
		// A valid wildcard: an eligible key is shorter than the paths with a query it starts.
		paths = append(paths, g.key+"*")
	}
	return coverage{paths: paths, roots: coverRoots(paths), eligible: keys}
}

// batchPaths is what a batch holding items sends: its items covered and every
// group of at least FoldMinPaths exact paths folded, whatever the budget. The
// planner only forms batches for which this holds, so a claimed batch, known by
// its items alone, is resent with the very paths it was planned with (CloudFront
// answers a CallerReference reused for other paths with InvalidationBatchAlreadyExists).
// Changing FoldMinPaths therefore changes how batches claimed before are resent.
func batchPaths(items []Item) []string {
	seen := map[string]bool{}
	var queued []string
	for _, it := range items {
		if !seen[it.Path] {
			seen[it.Path] = true
			queued = append(queued, it.Path)
		}
	}
	c := cover(queued, func(int) int { return len(queued) })
	paths := []string{}
	for i, p := range c.paths {
		if c.roots[i] == i {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	return paths
}
