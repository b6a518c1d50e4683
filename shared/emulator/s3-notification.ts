/**
 * S3's event notifications, emulated: the event a notification would carry for an object, so
 * `npm start` and the LocalStack bridge can call the preprocess and analytics handlers exactly as
 * S3 does in AWS.
 */
import type { S3Event } from 'aws-lambda';
import type { ObjectInfo } from '../ports/object-store.js';

/**
 * The S3 event a notification would carry for a created object. Keys are URL-encoded with `+`
 * for spaces, as S3 sends them.
 *
 * @example
 * s3CreatedEvent('pipeline-local-data', { key: 'raw/a b.csv', etag: '"x"', size: 3 }, 'us-east-1');
 */
export function s3CreatedEvent(bucket: string, object: ObjectInfo, region: string): S3Event {
  const key = encodeURIComponent(object.key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: (object.lastModified ?? new Date(0)).toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'local-bridge' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'local-bridge', 'x-amz-id-2': 'local-bridge' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'local-bridge',
          bucket: { name: bucket, ownerIdentity: { principalId: 'local-bridge' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key, size: object.size, eTag: object.etag.replace(/"/g, ''), sequencer: '0', ...(object.versionId ? { versionId: object.versionId } : {}) },
        },
      },
    ],
  };
}
