package flinkconf

// Conf is an effective Flink configuration as flat dotted keys.
type Conf map[string]string
