"""The referral record: statuses, reads (queries) and writes with their audit (operations)."""
