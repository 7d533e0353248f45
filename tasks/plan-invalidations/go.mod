module imgedge/tasks/plan-invalidations

go 1.19
