"""The rules of the fargate-service-guard policy pack; `catalog.ALL_POLICIES` gathers them."""
