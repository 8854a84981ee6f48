import { code, markdownTable } from '@deploy-suite/core';
import type { BuildPushResult, ImageResult } from './build-push.js';

interface ImageOutput {
  uri: string;
  digest: string;
  tags: string[];
  image: string;
}

/** The step's outputs: `images` keyed by repository, the first image's `image` and `digest`, and `registry`. */
export function actionOutputs(result: BuildPushResult): Record<string, string | object> {
  const images: Record<string, ImageOutput> = {};
  for (const image of result.images) {
    images[image.repository] = {
      uri: image.uri,
      digest: image.digest ?? '',
      tags: image.tags,
      // Without a push there is no digest: the first tag is the best reference there is.
      image: image.image ?? `${image.uri}:${image.tags[0]}`
    };
  }
  const first = result.images[0];
  return {
    images,
    image: images[first.repository].image,
    digest: first.digest ?? '',
    registry: result.registry.host
  };
}

function what(image: ImageResult): string {
  switch (image.action) {
    case 'built':
      return 'built and pushed';
    case 'built-not-pushed':
      return 'built (push: false)';
    case 'existing':
      return image.addedTags.length > 0
        ? `already built; added ${image.addedTags.join(', ')}`
        : 'already built and tagged';
    case 'promoted':
      return `promoted from ${image.sourceTag}${image.addedTags.length > 0 ? `; added ${image.addedTags.join(', ')}` : ''}`;
  }
}

export function summaryMarkdown(result: BuildPushResult): string {
  const rows = result.images.map(image => [
    code(image.repository),
    image.tags.map(code).join(' '),
    image.digest ? code(image.digest) : '',
    what(image)
  ]);
  const created =
    result.createdRepositories.length > 0
      ? `\n\nCreated repositories: ${result.createdRepositories.map(code).join(', ')}`
      : '';
  return (
    `### build-push: ${result.images.length} image${result.images.length === 1 ? '' : 's'} in ${code(result.registry.host)}` +
    `${result.builder ? ` (builder ${result.builder})` : ''}\n\n` +
    markdownTable(['repository', 'tags', 'digest', 'result'], rows) +
    created +
    '\n'
  );
}
