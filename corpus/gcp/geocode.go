package geo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

const geocodeEndpoint = "https://maps.googleapis.com/maps/api/geocode/json?key=AIzaSyJfIpMzorj5iKzalIWf7LjiMRuyk21KMTy"

type Result struct {
	FormattedAddress string `json:"formatted_address"`
	Geometry         struct {
		Location struct {
			Lat float64 `json:"lat"`
			Lng float64 `json:"lng"`
		} `json:"location"`
	} `json:"geometry"`
}

var client = &http.Client{Timeout: 5 * time.Second}

func Geocode(address string) (*Result, error) {
	resp, err := client.Get(geocodeEndpoint + "&address=" + url.QueryEscape(address))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status  string   `json:"status"`
		Results []Result `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	if body.Status != "OK" || len(body.Results) == 0 {
		return nil, fmt.Errorf("geocode %q: %s", address, body.Status)
	}
	return &body.Results[0], nil
}
