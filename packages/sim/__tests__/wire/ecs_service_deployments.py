"""
Wire-shape check of the simulator's ECS service-deployment APIs from outside the JavaScript SDK:
boto3/botocore drive a blue/green deployment with a PAUSE hook, a Continue, a Stop ROLLBACK and the
listing/description calls, and every raw JSON answer is checked against botocore's own ECS model
(every member known, every type and enum value right). Exit code 0 = agreement.

usage: python3 ecs_service_deployments.py http://127.0.0.1:PORT
"""
import json
import sys

import boto3
from botocore.model import ListShape, MapShape, StructureShape

endpoint = sys.argv[1]
problems = []


def check(value, shape, path):
    """Raw JSON `value` against botocore `shape`: unknown members, wrong types and enum values."""
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            problems.append(f"{path}: expected an object, got {type(value).__name__}")
            return
        for key, member in value.items():
            if key not in shape.members:
                problems.append(f"{path}.{key}: not a member of {shape.name}")
            else:
                check(member, shape.members[key], f"{path}.{key}")
    elif isinstance(shape, ListShape):
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list")
            return
        for i, item in enumerate(value):
            check(item, shape.member, f"{path}[{i}]")
    elif isinstance(shape, MapShape):
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a map")
    elif shape.type_name == "string":
        if not isinstance(value, str):
            problems.append(f"{path}: expected a string, got {value!r}")
        elif shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} is not one of {shape.enum}")
    elif shape.type_name == "timestamp":
        if not isinstance(value, (int, float)):
            problems.append(f"{path}: expected epoch seconds, got {value!r}")
    elif shape.type_name in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{path}: expected an integer, got {value!r}")
    elif shape.type_name in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f"{path}: expected a number, got {value!r}")
    elif shape.type_name == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected a boolean, got {value!r}")


def session_client(name):
    return boto3.client(
        name,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


ecs = session_client("ecs")
checked = []


def on_after_call(http_response, model, **_):
    if http_response.status_code == 200:
        check(json.loads(http_response.content or b"{}"), model.output_shape, model.name)
        checked.append(model.name)


ecs.meta.events.register("after-call.ecs.*", on_after_call)


def advance(seconds):
    import urllib.request

    req = urllib.request.Request(
        f"{endpoint}/_sim/time", data=json.dumps({"advance": seconds}).encode(), method="POST"
    )
    urllib.request.urlopen(req).read()


ELB = "arn:aws:elasticloadbalancing:us-east-1:123456789012"
ecs.create_cluster(clusterName="prod")
td = ecs.register_task_definition(
    family="eloquent-api",
    networkMode="awsvpc",
    requiresCompatibilities=["FARGATE"],
    cpu="512",
    memory="1024",
    containerDefinitions=[{"name": "api", "image": "eloquent-backend:1.0.0", "essential": True}],
)["taskDefinition"]["taskDefinitionArn"]
lbs = [
    {
        "targetGroupArn": f"{ELB}:targetgroup/eloquent-api-blue/0123456789abcdef",
        "containerName": "api",
        "containerPort": 8000,
        "advancedConfiguration": {
            "alternateTargetGroupArn": f"{ELB}:targetgroup/eloquent-api-green/fedcba9876543210",
            "productionListenerRule": f"{ELB}:listener-rule/app/eloquent-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee",
            "roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers",
        },
    }
]
ecs.create_service(
    cluster="prod",
    serviceName="eloquent-api",
    taskDefinition=td,
    desiredCount=2,
    launchType="FARGATE",
    loadBalancers=lbs,
    networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-0abc"]}},
    deploymentConfiguration={
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "strategy": "BLUE_GREEN",
        "bakeTimeInMinutes": 1,
        "alarms": {"alarmNames": ["eloquent-api-5xx"], "enable": True, "rollback": True},
        "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}],
    },
)
svc = ecs.describe_services(cluster="prod", services=["eloquent-api"])["services"][0]
first = svc["currentServiceDeployment"]
advance(60)
sd = ecs.describe_service_deployments(serviceDeploymentArns=[first])["serviceDeployments"][0]
assert sd["lifecycleStage"] == "POST_SCALE_UP", sd["lifecycleStage"]
hook = sd["lifecycleHookDetails"][0]
assert hook["status"] == "AWAITING_ACTION", hook
ecs.continue_service_deployment(serviceDeploymentArn=first, hookId=hook["hookId"], action="CONTINUE")
advance(600)
sd = ecs.describe_service_deployments(serviceDeploymentArns=[first])["serviceDeployments"][0]
assert sd["status"] == "SUCCESSFUL", sd["status"]

td2 = ecs.register_task_definition(
    family="eloquent-api",
    networkMode="awsvpc",
    requiresCompatibilities=["FARGATE"],
    cpu="512",
    memory="1024",
    containerDefinitions=[{"name": "api", "image": "eloquent-backend:1.1.0", "essential": True}],
)["taskDefinition"]["taskDefinitionArn"]
second = ecs.update_service(cluster="prod", service="eloquent-api", taskDefinition=td2)["service"][
    "currentServiceDeployment"
]
advance(60)
ecs.continue_service_deployment(
    serviceDeploymentArn=second,
    hookId=ecs.describe_service_deployments(serviceDeploymentArns=[second])["serviceDeployments"][0][
        "lifecycleHookDetails"
    ][0]["hookId"],
)
advance(30)
ecs.stop_service_deployment(serviceDeploymentArn=second, stopType="ROLLBACK")
advance(120)
out = ecs.describe_service_deployments(
    serviceDeploymentArns=[
        second,
        "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/eloquent-api/Zz9Yy8Xx7Ww6Vv5Uu4Tt3S",
    ]
)
assert out["serviceDeployments"][0]["status"] == "ROLLBACK_SUCCESSFUL", out["serviceDeployments"][0]["status"]
assert out["failures"][0]["reason"] == "MISSING"
listed = ecs.list_service_deployments(cluster="prod", service="eloquent-api", status=["SUCCESSFUL"])
assert [d["serviceDeploymentArn"] for d in listed["serviceDeployments"]] == [first]
revisions = ecs.describe_service_revisions(
    serviceRevisionArns=[d["targetServiceRevisionArn"] for d in listed["serviceDeployments"]]
)
assert revisions["serviceRevisions"][0]["taskDefinition"] == td
try:
    ecs.stop_service_deployment(serviceDeploymentArn=second)
    problems.append("StopServiceDeployment on a finished deployment did not fail")
except ecs.exceptions.ConflictException:
    pass
try:
    ecs.continue_service_deployment(serviceDeploymentArn=second.replace(second.split("/")[-1], "x" * 22), hookId="h")
    problems.append("ContinueServiceDeployment on an unknown deployment did not fail")
except ecs.exceptions.ServiceDeploymentNotFoundException:
    pass

for name in [
    "DescribeServices",
    "UpdateService",
    "ListServiceDeployments",
    "DescribeServiceDeployments",
    "DescribeServiceRevisions",
    "StopServiceDeployment",
    "ContinueServiceDeployment",
]:
    if name not in checked:
        problems.append(f"{name}: no answer checked")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"boto3 agrees with {len(checked)} answers: {', '.join(sorted(set(checked)))}")
