package qradar_test

import "github.com/detgen/detgen/push/qradar"

const k8sAQL = `SELECT starttime, username AS actor, "objectRef_resource" AS k8s_resource, "verb" AS k8s_verb FROM events ` +
	`WHERE devicetype = 446 AND "objectRef_resource" IN ('cronjobs','jobs') LAST 24 HOURS`

func cronjobSearch() qradar.Search {
	return qradar.Search{
		RuleID:      "k8s-cronjob-create",
		Name:        "detgen: Suspicious Kubernetes CronJob creation",
		Description: "T1053.007",
		Version:     3,
		AQL:         k8sAQL,
		Severity:    "high",
		Confidence:  "medium",
		Properties: []qradar.Property{
			{Name: "objectRef_resource", JSONExpression: `/"objectRef"/"resource"`, LogSourceTypeID: 446},
			{Name: "verb", JSONExpression: `/"verb"`, LogSourceTypeID: 446},
		},
	}
}
