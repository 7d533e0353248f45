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

// foldWildcard is the wildcard the exact path folds into, the one that names its
// original (its foldKey and "*"), or "" when that would be longer than CloudFront takes.
func foldWildcard(path string) string {
	w := foldKey(path) + "*"
	if len(w) > MaxPathLength {
		return ""
	}
	return w
}

// coverage says how a set of distinct queued paths may be sent. paths holds the
// queued paths followed by the fold candidates: the wildcard of each original
// with an exact path no queued wildcard covers. For each of them:
//   - root is the outermost path covering it in paths, queued or candidate: what
//     is sent in its place if its unit folds;
//   - queuedRoot is the outermost queued path covering it (itself when none does):
//     what is sent in its place if nothing folds.
type coverage struct {
	paths      []string
	queued     int
	root       []int
	queuedRoot []int
}

// cover applies the coverage rules to distinct queued paths: queued wildcards
// cover what they prefix; an exact path they leave uncovered may fold into its
// original's wildcard, which covers whatever it prefixes, queued wildcards too.
func cover(queued []string) coverage {
	queuedRoot := coverRoots(queued)
	paths := append([]string(nil), queued...)
	seen := map[string]bool{}
	for i, p := range queued {
		if isWildcard(p) || queuedRoot[i] != i {
			continue
		}
		if w := foldWildcard(p); w != "" && !seen[w] {
			seen[w] = true
			paths = append(paths, w)
		}
	}
	// No candidate equals a queued wildcard: that wildcard would cover the exact path it came from.
	root := coverRoots(paths)
	for i := len(queued); i < len(paths); i++ {
		queuedRoot = append(queuedRoot, i)
	}
	return coverage{paths: paths, queued: len(queued), root: root, queuedRoot: queuedRoot}
}

// batchPaths is what a batch holding items sends: its items covered as the
// batch's kind says, every fold candidate taken in a folding batch, none in an
// exact one. The planner forms only batches for which this holds, so a claimed
// batch, known by its id and items alone, is resent with the very paths it was
// planned with (CloudFront answers a CallerReference reused for other paths with
// InvalidationBatchAlreadyExists).
func batchPaths(items []Item, folds bool) []string {
	seen := map[string]bool{}
	var queued []string
	for _, it := range items {
		if !seen[it.Path] {
			seen[it.Path] = true
			queued = append(queued, it.Path)
		}
	}
	c := cover(queued)
	roots := c.queuedRoot
	if folds {
		roots = c.root
	}
	sent := map[string]bool{}
	paths := []string{}
	for i := 0; i < c.queued; i++ {
		if p := c.paths[roots[i]]; !sent[p] {
			sent[p] = true
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	return paths
}
