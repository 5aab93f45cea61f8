package rest

import (
	"context"
	"io"
)

// API is what the controllers need from Flink; *Client implements it, and tests can stand
// in an httptest server behind a real *Client or a fake of their own.
type API interface {
	Config(ctx context.Context) (*DashboardConfig, error)
	Overview(ctx context.Context) (*ClusterOverview, error)
	TaskManagers(ctx context.Context) ([]TaskManager, error)

	ListJobs(ctx context.Context) ([]JobOverview, error)
	Job(ctx context.Context, jobID string) (*JobDetails, error)
	JobExceptions(ctx context.Context, jobID string, maxExceptions int) (*JobExceptions, error)
	JobMetrics(ctx context.Context, jobID string, names ...string) (map[string]string, error)
	CancelJob(ctx context.Context, jobID string) error
	JobManagerLog(ctx context.Context, scan func(io.Reader) error) error

	Checkpoints(ctx context.Context, jobID string) (*CheckpointStats, error)
	CheckpointDetails(ctx context.Context, jobID string, checkpointID int64) (*CheckpointSummary, error)
	GetCheckpointConfig(ctx context.Context, jobID string) (*CheckpointConfig, error)
	TriggerCheckpoint(ctx context.Context, jobID string, typ CheckpointType, triggerID string) (string, error)
	CheckpointTriggerStatus(ctx context.Context, jobID, triggerID string) (*CheckpointOperation, error)
	AwaitCheckpoint(ctx context.Context, jobID, triggerID string, poll PollInterval) (int64, error)

	TriggerSavepoint(ctx context.Context, jobID string, r SavepointRequest) (string, error)
	StopWithSavepoint(ctx context.Context, jobID string, r StopRequest) (string, error)
	SavepointStatus(ctx context.Context, jobID, triggerID string) (*SavepointOperation, error)
	AwaitSavepoint(ctx context.Context, jobID, triggerID string, poll PollInterval) (string, error)
	DisposeSavepoint(ctx context.Context, savepointPath string) (string, error)
	DisposalStatus(ctx context.Context, triggerID string) (*DisposalOperation, error)
	AwaitDisposal(ctx context.Context, triggerID string, poll PollInterval) error

	UploadJar(ctx context.Context, jarPath string) (string, error)
	ListJars(ctx context.Context) ([]JarFile, error)
	RunJar(ctx context.Context, jarID string, r RunJarRequest) (string, error)
	DeleteJar(ctx context.Context, jarID string) error

	JobResourceRequirements(ctx context.Context, jobID string) (ResourceRequirements, error)
	SetJobResourceRequirements(ctx context.Context, jobID string, req ResourceRequirements) error
}

var _ API = (*Client)(nil)
