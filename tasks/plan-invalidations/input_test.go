package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeInput(t *testing.T) {
	in, err := DecodeInput([]byte(`{"pending":[{"path":"/a","version":2}],"claimed":[{"batchId":"inv-1","items":[{"path":"/b","version":1}]}],
		"inFlight":{"paths":3,"wildcards":1},"executionName":"flush-1","extra":true}`))
	want := Input{
		Pending:           []Item{{"/a", 2}},
		Claimed:           []ClaimedBatch{{BatchID: "inv-1", Items: []Item{{"/b", 1}}}},
		InFlightPaths:     3,
		InFlightWildcards: 1,
		ExecutionName:     "flush-1",
	}
	if err != nil || !reflect.DeepEqual(in, want) {
		t.Fatalf("got %+v, %v", in, err)
	}
}

func TestDecodeInputRefusesMalformedInput(t *testing.T) {
	const rest = `"inFlight":{"paths":0,"wildcards":0},"executionName":"x"`
	for input, want := range map[string]string{
		`{"pending":`: "not JSON",
		`{"pending":[],"claimed":[],"inFlight":{"paths":0,"wildcards":0}}`:                                                   "executionName: required",
		`{"claimed":[],` + rest + `}`:                                                                                        "pending: required",
		`{"pending":[],` + rest + `}`:                                                                                        "claimed: required",
		`{"pending":[],"claimed":[],"executionName":"x"}`:                                                                    "inFlight: required",
		`{"pending":[],"claimed":[],"inFlight":{"paths":-1,"wildcards":0},"executionName":"x"}`:                              "must not be negative",
		`{"pending":[{"path":"/a","version":"1"}],"claimed":[],` + rest + `}`:                                                "pending.version: expected int64, got string",
		`{"pending":[{"path":"/a","version":1.5}],"claimed":[],` + rest + `}`:                                                "pending.version: expected int64, got number 1.5",
		`{"pending":[{"path":"/a"}],"claimed":[],` + rest + `}`:                                                              "pending[0]: path and version",
		`{"pending":[null],"claimed":[],` + rest + `}`:                                                                       "pending[0]: path and version",
		`{"pending":[],"claimed":[{"items":[]}],` + rest + `}`:                                                               "claimed[0]: batchId and at least one item required",
		`{"pending":[],"claimed":[{"batchId":"b","items":[{"path":"/a*b","version":1}]}],` + rest + `}`:                      `claimed[0].items[0].path: has a "*"`,
		`{"pending":[],"claimed":[],"inFlight":{"paths":0,"wildcards":0},"executionName":"` + strings.Repeat("x", 81) + `"}`: "executionName: required, 1 to 80",
	} {
		_, err := DecodeInput([]byte(input))
		var inputErr *InputError
		if !errors.As(err, &inputErr) || inputErr.ErrorType() != "TaskInputInvalid" || !strings.Contains(err.Error(), want) {
			t.Errorf("DecodeInput(%s) = %v, want TaskInputInvalid containing %q", input, err, want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "plan-invalidations: input rejected: ") {
			t.Errorf("message %q does not name the task", err)
		}
	}
}
