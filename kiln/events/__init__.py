"""Events leaving kiln: signed webhooks (Standard Webhooks), the SSRF guard on their targets, and delivery."""
