/** Lambda's DynamoDB JSON (binary values in base64) and the region in DynamoDB Local's stream ARNs. */
import { describe, expect, it } from 'vitest';
import { lambdaAttributeValue, withRegion } from './lambda-events';

describe('Lambda event values', () => {
  it('encodes binary attributes as base64, recursively', () => {
    expect(lambdaAttributeValue({ M: { b: { B: new Uint8Array([1, 2]) }, l: { L: [{ BS: [new Uint8Array([255])] }, { N: '1.50' }] } } })).toEqual({
      M: { b: { B: 'AQI=' }, l: { L: [{ BS: ['/w=='] }, { N: '1.50' }] } },
    });
  });

  it("puts the region into DynamoDB Local's stream ARNs", () => {
    expect(withRegion('arn:aws:dynamodb:ddblocal:000000000000:table/T/stream/2024-01-01T00:00:00.000', 'eu-west-1')).toBe(
      'arn:aws:dynamodb:eu-west-1:000000000000:table/T/stream/2024-01-01T00:00:00.000',
    );
  });
});
