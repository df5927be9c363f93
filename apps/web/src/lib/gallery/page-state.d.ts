// The gallery opens an image over the grid with shallow routing (goto with `shallow: true`).
declare global {
  namespace App {
    interface PageState {
      /** The asset shown in the gallery's dialog. */
      galleryAssetId?: string;
    }
  }
}

export {};
