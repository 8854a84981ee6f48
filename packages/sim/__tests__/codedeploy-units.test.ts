import { describe, expect, it } from '@jest/globals';
import { AppSpecError, ecsAppSpecOf, parseDocument } from '../src/codedeploy/appspec.js';
import { predefinedConfigs, trafficSteps } from '../src/codedeploy/configs.js';

const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/eloquent-backend:7';

describe('ECS AppSpec', () => {
  it('reads mixed-case keys, network configuration and hooks', () => {
    const spec = ecsAppSpecOf(
      parseDocument(`version: 0.0
resources:
  - TargetService:
      type: aws::ecs::service
      PROPERTIES:
        taskDefinition: "${TD}"
        loadbalancerINFO: { containerName: api, ContainerPort: "8000" }
        PlatformVersion: "1.4.0"
        networkconfiguration:
          awsvpcconfiguration: { subnets: [subnet-1], securitygroups: [sg-1], assignpublicip: DISABLED }
hooks:
  - BeforeAllowTraffic: "eloquent-smoke-test"
`)
    );
    expect(spec).toEqual({
      taskDefinition: TD,
      containerName: 'api',
      containerPort: 8000,
      platformVersion: '1.4.0',
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' }
      },
      hooks: { BeforeAllowTraffic: 'eloquent-smoke-test' }
    });
  });

  it('names what is missing', () => {
    const spec = (text: string) => () => ecsAppSpecOf(parseDocument(text));
    expect(spec('version: 0.0')).toThrow(
      new AppSpecError('The AppSpec has no Resources: an ECS AppSpec needs one AWS::ECS::Service resource.')
    );
    expect(spec('Resources: [{A: {Type: "AWS::Lambda::Function"}}]')).toThrow(
      /exactly one resource of Type AWS::ECS::Service, found 0/
    );
    expect(spec('Resources: [{A: {Type: "AWS::ECS::Service", Properties: {}}}]')).toThrow(
      /no Properties.TaskDefinition/
    );
    expect(
      spec(`Resources: [{A: {Type: "AWS::ECS::Service", Properties: {TaskDefinition: "${TD}"}}}]`)
    ).toThrow(/LoadBalancerInfo with ContainerName and ContainerPort/);
    expect(() => parseDocument('Resources: [')).toThrow(/neither valid YAML nor JSON/);
  });
});

describe('ECS deployment configurations', () => {
  it('turn into production traffic steps', () => {
    const configs = predefinedConfigs(0);
    const steps = (name: string) =>
      trafficSteps(configs.get(`CodeDeployDefault.${name}`)!.trafficRoutingConfig);
    expect(steps('ECSAllAtOnce')).toEqual([[0, 100]]);
    expect(steps('ECSCanary10Percent15Minutes')).toEqual([
      [0, 10],
      [900, 100]
    ]);
    const linear = steps('ECSLinear10PercentEvery3Minutes');
    expect(linear).toHaveLength(10);
    expect(linear[0]).toEqual([0, 10]);
    expect(linear[9]).toEqual([9 * 180, 100]);
  });
});
