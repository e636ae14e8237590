//! Helpers shared by the format tests.

use std::path::Path;

use mia_core::ImageData;

/// The bytes of an array in C order and this machine's byte order.
pub(crate) fn native_bytes(data: &ImageData) -> Vec<u8> {
    mia_core::dispatch_image_data!(data, a => {
        a.iter()
            .flat_map(|v| {
                // SAFETY: a plain number viewed as its bytes.
                let bytes = unsafe {
                    std::slice::from_raw_parts(std::ptr::from_ref(v).cast::<u8>(), std::mem::size_of_val(v))
                };
                bytes.to_vec()
            })
            .collect()
    })
}

/// Whether the default loader maps the voxels of `path`; where it does, the map holds exactly the bytes, shape and
/// properties that a read decodes.
pub(crate) fn maps_as_read(path: &Path) -> bool {
    let read = mia_io::read_image(path).unwrap();
    match mia_io::Load::map_voxels(&mia_io::DefaultLoader, path).unwrap() {
        Some(mapped) => {
            assert_eq!(mapped.bytes(), native_bytes(read.data()).as_slice(), "{path:?}");
            assert_eq!(mapped.properties(), read.properties(), "{path:?}");
            assert_eq!(mapped.shape(), read.data().shape().to_vec(), "{path:?}");
            true
        }
        None => false,
    }
}
