package main

import (
	"encoding/json"
	"io"
	"strings"
	"time"
)

// Log levels as Powertools Logger names them; POWERTOOLS_LOG_LEVEL picks the lowest written.
var logLevels = map[string]int{"DEBUG": 0, "INFO": 1, "WARN": 2, "ERROR": 3, "CRITICAL": 4, "SILENT": 5}

// logger writes one JSON object per line with the fields Powertools Logger
// writes for the TypeScript tasks, so all tasks' logs read and query alike.
type logger struct {
	service  string
	min      int
	out, err io.Writer // INFO and below, WARN and above: as Node's console does
	now      func() time.Time
}

func newLogger(service, level string, out, err io.Writer) *logger {
	min, ok := logLevels[strings.ToUpper(level)]
	if !ok {
		min = logLevels["INFO"]
	}
	return &logger{service: service, min: min, out: out, err: err, now: time.Now}
}

// log writes message at level; fields add keys (correlation_id among them).
func (l *logger) log(level, message string, fields map[string]any) {
	if logLevels[level] < l.min {
		return
	}
	line := map[string]any{
		"level":     level,
		"message":   message,
		"service":   l.service,
		"timestamp": l.now().UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	for k, v := range fields {
		line[k] = v
	}
	w := l.out
	if logLevels[level] >= logLevels["WARN"] {
		w = l.err
	}
	data, _ := json.Marshal(line) // strings and numbers only: cannot fail
	w.Write(append(data, '\n'))
}
