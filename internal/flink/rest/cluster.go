package rest

import "context"

// DashboardConfig is GET /config: the web UI's view of the cluster, including its version.
type DashboardConfig struct {
	RefreshInterval int64  `json:"refresh-interval"`
	TimezoneName    string `json:"timezone-name"`
	TimezoneOffset  int64  `json:"timezone-offset"`
	FlinkVersion    string `json:"flink-version"`
	FlinkRevision   string `json:"flink-revision"`
	Features        struct {
		WebSubmit  bool `json:"web-submit"`
		WebCancel  bool `json:"web-cancel"`
		WebRescale bool `json:"web-rescale"`
		WebHistory bool `json:"web-history"`
	} `json:"features"`
}

// ClusterOverview is GET /overview.
type ClusterOverview struct {
	TaskManagers        int    `json:"taskmanagers"`
	TaskManagersBlocked int    `json:"taskmanagers-blocked"`
	SlotsTotal          int    `json:"slots-total"`
	SlotsAvailable      int    `json:"slots-available"`
	SlotsFreeAndBlocked int    `json:"slots-free-and-blocked"`
	JobsRunning         int    `json:"jobs-running"`
	JobsFinished        int    `json:"jobs-finished"`
	JobsCancelled       int    `json:"jobs-cancelled"`
	JobsFailed          int    `json:"jobs-failed"`
	FlinkVersion        string `json:"flink-version"`
	FlinkCommit         string `json:"flink-commit"`
}

// TaskManager is one entry of GET /taskmanagers.
type TaskManager struct {
	ID                     string           `json:"id"`
	Path                   string           `json:"path"`
	DataPort               int              `json:"dataPort"`
	JMXPort                int              `json:"jmxPort"`
	TimeSinceLastHeartbeat int64            `json:"timeSinceLastHeartbeat"`
	SlotsNumber            int              `json:"slotsNumber"`
	FreeSlots              int              `json:"freeSlots"`
	Blocked                bool             `json:"blocked"`
	TotalResource          ResourceProfile  `json:"totalResource"`
	FreeResource           ResourceProfile  `json:"freeResource"`
	Hardware               HardwareInfo     `json:"hardware"`
	MemoryConfiguration    map[string]int64 `json:"memoryConfiguration"`
}

// ResourceProfile is a slot/TaskManager resource description (memory in MiB).
type ResourceProfile struct {
	CPUCores          float64            `json:"cpuCores"`
	TaskHeapMemory    int64              `json:"taskHeapMemory"`
	TaskOffHeapMemory int64              `json:"taskOffHeapMemory"`
	ManagedMemory     int64              `json:"managedMemory"`
	NetworkMemory     int64              `json:"networkMemory"`
	ExtendedResources map[string]float64 `json:"extendedResources"`
}

// HardwareInfo describes a TaskManager's host.
type HardwareInfo struct {
	CPUCores       int   `json:"cpuCores"`
	PhysicalMemory int64 `json:"physicalMemory"`
	FreeMemory     int64 `json:"freeMemory"`
	ManagedMemory  int64 `json:"managedMemory"`
}

// Config returns GET /config.
func (c *Client) Config(ctx context.Context) (*DashboardConfig, error) {
	var out DashboardConfig
	if err := c.get(ctx, "/config", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Overview returns GET /overview.
func (c *Client) Overview(ctx context.Context) (*ClusterOverview, error) {
	var out ClusterOverview
	if err := c.get(ctx, "/overview", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TaskManagers returns GET /taskmanagers.
func (c *Client) TaskManagers(ctx context.Context) ([]TaskManager, error) {
	var out struct {
		TaskManagers []TaskManager `json:"taskmanagers"`
	}
	if err := c.get(ctx, "/taskmanagers", nil, &out); err != nil {
		return nil, err
	}
	return out.TaskManagers, nil
}
