package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeRuntimeAPI hands out events in order, records what comes back, then answers "next" with 500.
type fakeRuntimeAPI struct {
	events []string
	served int
	posts  []string // "<path> <error type header> <body>"
}

func (f *fakeRuntimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const base = "/2018-06-01/runtime/invocation/"
	if r.Method == http.MethodGet && r.URL.Path == base+"next" {
		if len(f.events) == 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		f.served++
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", fmt.Sprintf("req-%d", f.served))
		io.WriteString(w, f.events[0])
		f.events = f.events[1:]
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.posts = append(f.posts, strings.TrimPrefix(r.URL.Path, base)+" "+r.Header.Get("Lambda-Runtime-Function-Error-Type")+" "+string(body))
	w.WriteHeader(http.StatusAccepted)
}

type refusal struct{}

func (refusal) Error() string     { return "refused" }
func (refusal) ErrorType() string { return "Refused" }

func TestServeRuntimeAPIAnswersEachInvocation(t *testing.T) {
	api := &fakeRuntimeAPI{events: []string{`"ok"`, `"refuse"`, `"fail"`}}
	server := httptest.NewServer(api)
	defer server.Close()

	err := serveRuntimeAPI(strings.TrimPrefix(server.URL, "http://"), func(id string, event []byte) ([]byte, error) {
		switch string(event) {
		case `"refuse"`:
			return nil, refusal{}
		case `"fail"`:
			return nil, errors.New("broken")
		}
		return []byte(`{"id":"` + id + `"}`), nil
	})
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("serveRuntimeAPI returned %v, want the 500 that ended it", err)
	}
	want := []string{
		`req-1/response  {"id":"req-1"}`,
		`req-2/error Refused {"errorMessage":"refused","errorType":"Refused"}`,
		`req-3/error Error {"errorMessage":"broken","errorType":"Error"}`,
	}
	if strings.Join(api.posts, "\n") != strings.Join(want, "\n") {
		t.Errorf("posted\n%s\nwant\n%s", strings.Join(api.posts, "\n"), strings.Join(want, "\n"))
	}
}

func TestHandlerPlansAndLogsWithTheExecutionNameAsCorrelationID(t *testing.T) {
	var out, errOut bytes.Buffer
	log := newLogger(taskName, "", &out, &errOut)
	log.now = func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC) }
	handle := handler(log)

	result, err := handle("req-1", []byte(`{"pending":[{"path":"/t/a.jpg?w=1","version":1},{"path":"bad","version":1}],"claimed":[],
		"inFlight":{"paths":0,"wildcards":0},"executionName":"flush-42"}`))
	if err != nil {
		t.Fatal(err)
	}
	var plan Output
	if err := json.Unmarshal(result, &plan); err != nil || len(plan.Batches) != 1 || len(plan.Rejected) != 1 {
		t.Fatalf("plan %s (%v)", result, err)
	}
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", out.String(), err)
	}
	for key, want := range map[string]any{
		"level": "INFO", "message": "planned", "service": "plan-invalidations", "timestamp": "2025-01-02T03:04:05.006Z",
		"correlation_id": "flush-42", "function_request_id": "req-1", "sent": 1.0, "rejected": 1.0, "deferred": 0.0,
	} {
		if line[key] != want {
			t.Errorf("log %s = %v, want %v", key, line[key], want)
		}
	}
	if !strings.Contains(errOut.String(), `"level":"WARN","message":"pending path rejected","path":"bad"`) {
		t.Errorf("stderr %q", errOut.String())
	}

	errOut.Reset()
	if _, err := handle("req-2", []byte(`{}`)); err == nil || !strings.Contains(errOut.String(), `"level":"ERROR"`) {
		t.Errorf("invalid input: %v, logged %q", err, errOut.String())
	}
}

func TestLoggerKeepsQuietBelowTheConfiguredLevel(t *testing.T) {
	var out bytes.Buffer
	log := newLogger(taskName, "silent", &out, &out)
	log.log("CRITICAL", "x", nil)
	if out.Len() != 0 {
		t.Errorf("SILENT logged %q", out.String())
	}
}
