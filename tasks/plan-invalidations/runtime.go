package main

// The Lambda Runtime API, spoken directly: aws-lambda-go is not available
// offline (docs: docs/go-lambda.md). Nothing here knows the planner.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// handlerFunc answers one invocation's event with its result or an error.
type handlerFunc func(requestID string, event []byte) ([]byte, error)

// typedError names its Lambda errorType, which Step Functions sees as the error name.
type typedError interface{ ErrorType() string }

// serveRuntimeAPI takes invocations from the Runtime API at host:port api, one
// at a time, for as long as it answers; it returns why it stopped.
func serveRuntimeAPI(api string, handle handlerFunc) error {
	base := "http://" + api + "/2018-06-01/runtime/invocation/"
	client := &http.Client{} // no timeout: "next" waits for the next invocation
	for {
		res, err := client.Get(base + "next")
		if err != nil {
			return err
		}
		event, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("next invocation: %s", res.Status)
		}
		id := res.Header.Get("Lambda-Runtime-Aws-Request-Id")
		result, err := handle(id, event)
		if err == nil {
			err = post(client, base+id+"/response", "", result)
		} else {
			errorType := "Error"
			var typed typedError
			if errors.As(err, &typed) {
				errorType = typed.ErrorType()
			}
			body, _ := json.Marshal(map[string]string{"errorType": errorType, "errorMessage": err.Error()})
			err = post(client, base+id+"/error", errorType, body)
		}
		if err != nil {
			return err
		}
	}
}

func post(client *http.Client, url, errorType string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if errorType != "" {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", errorType)
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		return fmt.Errorf("POST %s: %s", url, res.Status)
	}
	return nil
}
