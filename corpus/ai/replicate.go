package imagegen

import (
	"bytes"
	"encoding/json"
	"net/http"
)

const replicateToken = "r8_WRIjrD9tBzynKKamPzMDYQegGAillGGrccteV"

type prediction struct {
	Version string         `json:"version"`
	Input   map[string]any `json:"input"`
}

func Start(prompt string) (*http.Response, error) {
	body, _ := json.Marshal(prediction{
		Version: "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b",
		Input:   map[string]any{"prompt": prompt, "width": 1024, "height": 1024},
	})
	req, err := http.NewRequest(http.MethodPost, "https://api.replicate.com/v1/predictions", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+replicateToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Prefer", "wait")
	return http.DefaultClient.Do(req)
}
