package obslocal

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Alert states in the rule engine's API: an alert is active from the first evaluation its
// condition holds; it is pending while its rule's `for:` has not yet passed, then firing.
const (
	AlertPending = "pending"
	AlertFiring  = "firing"
)

// Alert is one active alert of the rule engine (/api/v1/alerts): a series for which an
// alerting rule's condition holds.
type Alert struct {
	Name     string            `json:"name"`
	Labels   map[string]string `json:"labels"`
	State    string            `json:"state"`
	ActiveAt time.Time         `json:"activeAt"`
	Value    string            `json:"value"`
	// Restored is set when the engine took ActiveAt from the metrics server's
	// ALERTS_FOR_STATE as it started: a pending alert kept its `for:` clock across a restart.
	Restored bool `json:"restored"`
}

// RuleGroup is one group of a rule file as the rule engine loaded it (/api/v1/rules).
type RuleGroup struct {
	Name  string `json:"name"`
	File  string `json:"file"`
	Rules []struct {
		Name  string `json:"name"`
		Type  string `json:"type"`  // alerting or recording
		State string `json:"state"` // an alerting rule's: inactive, pending or firing
		// Health is "err" when the last evaluation failed (LastError says why), else "ok",
		// also before the first: LastEvaluation is zero until then.
		Health         string    `json:"health"`
		LastError      string    `json:"lastError"`
		LastEvaluation time.Time `json:"lastEvaluation"`
	} `json:"rules"`
}

// Alerts lists the rule engine's active alerts, pending and firing.
func (c *Client) Alerts(ctx context.Context) ([]Alert, error) {
	d, err := getAPI[struct {
		Alerts []Alert `json:"alerts"`
	}](ctx, c, "/api/v1/alerts")
	return d.Alerts, err
}

// Rules lists the rule engine's groups and their rules with each rule's health.
func (c *Client) Rules(ctx context.Context) ([]RuleGroup, error) {
	d, err := getAPI[struct {
		Groups []RuleGroup `json:"groups"`
	}](ctx, c, "/api/v1/rules")
	return d.Groups, err
}

// getAPI reads the data of path of the rule engine's Prometheus-style API.
func getAPI[T any](ctx context.Context, c *Client, path string) (T, error) {
	var resp struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   T      `json:"data"`
	}
	raw, err := c.get(ctx, c.AlertURL+path)
	if err != nil {
		return resp.Data, err
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return resp.Data, fmt.Errorf("parse %s: %w", path, err)
	}
	if resp.Status != "success" {
		return resp.Data, fmt.Errorf("%s: %s", path, resp.Error)
	}
	return resp.Data, nil
}

// Active returns the alerts named name whose labels include want.
func Active(alerts []Alert, name string, want map[string]string) []Alert {
	var out []Alert
	for _, a := range alerts {
		if a.Name == name && hasLabels(a.Labels, want) {
			out = append(out, a)
		}
	}
	return out
}

func hasLabels(labels, want map[string]string) bool {
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}
