package main

import (
	"encoding/json"
	"errors"
	"fmt"
)

const (
	taskName               = "plan-invalidations"
	maxExecutionNameLength = 80
)

// InputError is an input the planner refuses; the workflow sees its ErrorType
// as the error name (docs/pipeline.md, Errors: permanent, never retried).
type InputError struct{ detail string }

func (e *InputError) Error() string     { return taskName + ": input rejected: " + e.detail }
func (e *InputError) ErrorType() string { return "TaskInputInvalid" }

func invalid(format string, args ...any) error {
	return &InputError{detail: fmt.Sprintf(format, args...)}
}

// The wire shapes use pointers so that a missing field is told from a zero one.
type wireItem struct {
	Path    *string `json:"path"`
	Version *int64  `json:"version"`
}

type wireInput struct {
	Pending *[]wireItem `json:"pending"`
	Claimed *[]struct {
		BatchID *string     `json:"batchId"`
		Items   *[]wireItem `json:"items"`
	} `json:"claimed"`
	InFlight *struct {
		Paths     *int `json:"paths"`
		Wildcards *int `json:"wildcards"`
	} `json:"inFlight"`
	ExecutionName *string `json:"executionName"`
}

// DecodeInput parses and checks the planner's event. A pending path CloudFront
// would refuse is not an input error (Plan rejects it alone); a claimed one is,
// since only the planner forms batches.
func DecodeInput(data []byte) (Input, error) {
	var w wireInput
	if err := json.Unmarshal(data, &w); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return Input{}, invalid("%s: expected %s, got %s", typeErr.Field, typeErr.Type, typeErr.Value)
		}
		return Input{}, invalid("not JSON: %v", err)
	}
	switch {
	case w.Pending == nil:
		return Input{}, invalid("pending: required")
	case w.Claimed == nil:
		return Input{}, invalid("claimed: required")
	case w.InFlight == nil || w.InFlight.Paths == nil || w.InFlight.Wildcards == nil:
		return Input{}, invalid("inFlight: required, with paths and wildcards")
	case *w.InFlight.Paths < 0 || *w.InFlight.Wildcards < 0:
		return Input{}, invalid("inFlight: paths and wildcards must not be negative")
	case w.ExecutionName == nil || *w.ExecutionName == "" || len(*w.ExecutionName) > maxExecutionNameLength:
		return Input{}, invalid("executionName: required, 1 to %d characters", maxExecutionNameLength)
	}
	in := Input{
		InFlightPaths:     *w.InFlight.Paths,
		InFlightWildcards: *w.InFlight.Wildcards,
		ExecutionName:     *w.ExecutionName,
	}
	var err error
	if in.Pending, err = items(*w.Pending, "pending"); err != nil {
		return Input{}, err
	}
	for i, c := range *w.Claimed {
		at := fmt.Sprintf("claimed[%d]", i)
		if c.BatchID == nil || *c.BatchID == "" || c.Items == nil || len(*c.Items) == 0 {
			return Input{}, invalid("%s: batchId and at least one item required", at)
		}
		batch := ClaimedBatch{BatchID: *c.BatchID}
		if batch.Items, err = items(*c.Items, at+".items"); err != nil {
			return Input{}, err
		}
		for j, it := range batch.Items {
			if problem := pathProblem(it.Path); problem != "" {
				return Input{}, invalid("%s.items[%d].path: %s", at, j, problem)
			}
		}
		in.Claimed = append(in.Claimed, batch)
	}
	return in, nil
}

func items(wire []wireItem, at string) ([]Item, error) {
	out := make([]Item, len(wire))
	for i, w := range wire {
		if w.Path == nil || w.Version == nil || *w.Version < 0 {
			return nil, invalid("%s[%d]: path and version (an integer, not negative) required", at, i)
		}
		out[i] = Item{Path: *w.Path, Version: *w.Version}
	}
	return out, nil
}
