// Command plan-invalidations is the invalidation-flush workflow's planner
// (docs/pipeline.md): a Lambda on the provided runtime, its logic in Plan.
package main

import (
	"encoding/json"
	"os"
)

func main() {
	log := newLogger(taskName, os.Getenv("POWERTOOLS_LOG_LEVEL"), os.Stdout, os.Stderr)
	api := os.Getenv("AWS_LAMBDA_RUNTIME_API")
	if api == "" {
		log.log("CRITICAL", "AWS_LAMBDA_RUNTIME_API is not set: run this as a Lambda or through infra/local/lambda-runtime-host.ts", nil)
		os.Exit(2)
	}
	err := serveRuntimeAPI(api, handler(log))
	log.log("CRITICAL", "Runtime API unreachable", map[string]any{"error": err.Error()})
	os.Exit(1)
}

func handler(log *logger) handlerFunc {
	return func(requestID string, event []byte) ([]byte, error) {
		in, err := DecodeInput(event)
		if err != nil {
			log.log("ERROR", "task failed", map[string]any{"function_request_id": requestID, "error": err.Error()})
			return nil, err
		}
		out := Plan(in)
		fields := map[string]any{
			"correlation_id":      in.ExecutionName,
			"function_request_id": requestID,
			"batches":             len(out.Batches),
			"claimed":             len(in.Claimed),
			"pending":             out.Stats.Pending,
			"sent":                out.Stats.Sent,
			"wildcards":           out.Stats.Wildcards,
			"folded":              out.Stats.Folded,
			"deferred":            out.Deferred,
			"rejected":            len(out.Rejected),
		}
		log.log("INFO", "planned", fields)
		for _, r := range out.Rejected {
			log.log("WARN", "pending path rejected", map[string]any{"correlation_id": in.ExecutionName, "path": r.Path, "reason": r.Reason})
		}
		return json.Marshal(out)
	}
}
