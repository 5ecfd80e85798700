//! The device a recommender runs on, chosen at run time.

use std::fmt;
use std::str::FromStr;

use crate::{CoreError, Result};

/// Where a [`Recommender`](crate::Recommender) trains and answers.
///
/// Parses from and displays as `cpu`, `cuda` (= `cuda:0`) or `cuda:<index>`.
///
/// - [`Device::Cpu`]: burn's fastest CPU backend ([`instructrec_model::CpuBackend`]).
/// - [`Device::Cuda`]: the burn-cuda backend on the GPU with that index. Only in builds with the
///   `cuda` feature; otherwise asking for it is [`CoreError::CudaNotCompiled`]. A build with the
///   feature on a machine without a usable driver or GPU gives [`CoreError::CudaUnavailable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Device {
    /// The CPU.
    #[default]
    Cpu,
    /// The CUDA GPU with this index.
    Cuda(usize),
}

impl Device {
    /// Whether this build can run on CUDA devices (the `cuda` feature).
    pub const CUDA_COMPILED: bool = cfg!(feature = "cuda");
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(index) => write!(f, "cuda:{index}"),
        }
    }
}

impl FromStr for Device {
    type Err = CoreError;

    /// Case-insensitive; surrounding spaces are ignored.
    fn from_str(text: &str) -> Result<Self> {
        let name = text.trim().to_ascii_lowercase();
        match name.split_once(':') {
            None if name == "cpu" => Ok(Device::Cpu),
            None if name == "cuda" => Ok(Device::Cuda(0)),
            Some(("cuda", index)) => index
                .parse()
                .map(Device::Cuda)
                .map_err(|_| CoreError::UnknownDevice(text.to_owned())),
            _ => Err(CoreError::UnknownDevice(text.to_owned())),
        }
    }
}

/// The burn-cuda device `index`, checked to be usable.
///
/// burn-cuda 0.21 has no fallible way to open a device: the first operation on it loads the
/// driver library and queries the GPU through `cudarc`, `unwrap`ping every step, so a machine
/// without a driver or without that GPU panics (inside the device's runner thread; the panic
/// reaches this thread when the operation's result is awaited). Running one tiny operation under
/// `catch_unwind` here, before any model exists, turns that into an error; nothing else of the
/// crate relies on catching panics.
#[cfg(feature = "cuda")]
pub(crate) fn cuda_device(index: usize) -> Result<burn::backend::cuda::CudaDevice> {
    use burn::backend::Cuda;
    use burn::tensor::Tensor;

    let device = burn::backend::cuda::CudaDevice { index };
    let probe = std::panic::catch_unwind(|| {
        Tensor::<Cuda, 1>::ones([1], &device)
            .into_data()
            .to_vec::<f32>()
            .map_err(|e| format!("reading back a probe tensor failed: {e:?}"))
    });
    match probe {
        Ok(Ok(values)) if values == [1.0] => Ok(device),
        Ok(Ok(values)) => Err(CoreError::CudaUnavailable {
            index,
            reason: format!("a probe tensor of ones read back as {values:?}"),
        }),
        Ok(Err(reason)) => Err(CoreError::CudaUnavailable { index, reason }),
        Err(panic) => Err(CoreError::CudaUnavailable {
            index,
            reason: panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "the CUDA backend failed to start".to_owned()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_device_names() {
        assert_eq!("cpu".parse::<Device>().unwrap(), Device::Cpu);
        assert_eq!(" CUDA ".parse::<Device>().unwrap(), Device::Cuda(0));
        assert_eq!("cuda:3".parse::<Device>().unwrap(), Device::Cuda(3));
        for device in [Device::Cpu, Device::Cuda(0), Device::Cuda(2)] {
            assert_eq!(device.to_string().parse::<Device>().unwrap(), device);
        }
        for bad in ["gpu", "cuda:x", "cuda:-1", "cpu:0", ""] {
            assert!(
                matches!(bad.parse::<Device>(), Err(CoreError::UnknownDevice(name)) if name == bad),
                "{bad}"
            );
        }
    }
}
